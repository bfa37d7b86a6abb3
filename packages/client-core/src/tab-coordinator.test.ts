import { createTabCoordinator, type LockManagerLike, type TabCoordinator } from '@nself/client-core'
import { afterEach, describe, expect, it } from 'vitest'

// A faithful-enough LockManager: exclusive locks granted in request order, released when the
// callback's promise settles; a request aborted while waiting rejects and never runs.
function fakeLocks(): LockManagerLike {
  const queues = new Map<string, Array<() => void>>()
  const held = new Set<string>()
  const next = (name: string) => {
    if (held.has(name)) return
    const q = queues.get(name)
    const grant = q?.shift()
    if (grant) grant()
  }
  return {
    request(name, { signal }, callback) {
      return new Promise((resolve, reject) => {
        const grant = () => {
          held.add(name)
          callback().then(
            (v) => {
              held.delete(name)
              resolve(v)
              next(name)
            },
            (e) => {
              held.delete(name)
              reject(e)
              next(name)
            },
          )
        }
        signal?.addEventListener('abort', () => {
          const q = queues.get(name) ?? []
          const i = q.indexOf(grant)
          if (i !== -1) {
            q.splice(i, 1)
            reject(new DOMException('aborted', 'AbortError'))
          }
        })
        queues.set(name, [...(queues.get(name) ?? []), grant])
        next(name)
      })
    },
  }
}

const flush = () => new Promise((r) => setTimeout(r, 20))
const open: TabCoordinator[] = []
afterEach(() => {
  for (const t of open.splice(0)) t.close()
})

describe('createTabCoordinator', () => {
  it('elects one leader among tabs and hands over when the leader closes', async () => {
    const locks = fakeLocks()
    const tabs = [1, 2, 3].map(() => createTabCoordinator({ name: 'rt:test', locks, BroadcastChannel }))
    open.push(...tabs)
    await flush()
    expect(tabs.map((t) => t.getSnapshot().isLeader)).toEqual([true, false, false])
    tabs[0]?.close()
    await flush()
    expect(tabs.map((t) => t.getSnapshot().isLeader)).toEqual([false, true, false])
    tabs[2]?.close()
    tabs[1]?.close()
    await flush()
    expect(tabs.every((t) => !t.getSnapshot().isLeader)).toBe(true)
  })

  it('relays messages to the other tabs only', async () => {
    const locks = fakeLocks()
    const [a, b, c] = [1, 2, 3].map(() =>
      createTabCoordinator<{ n: number }>({ name: 'rt:msg', locks, BroadcastChannel }),
    )
    open.push(a!, b!, c!)
    const got: Record<string, number[]> = { a: [], b: [], c: [] }
    a?.onMessage((m) => got.a?.push(m.n))
    b?.onMessage((m) => got.b?.push(m.n))
    c?.onMessage((m) => got.c?.push(m.n))
    a?.post({ n: 1 })
    b?.post({ n: 2 })
    await flush()
    expect(got).toEqual({ a: [2], b: [1], c: [1, 2] })
  })

  it('makes every tab its own leader where the APIs are missing or sharing is off', () => {
    const t1 = createTabCoordinator({ name: 'x', locks: undefined, BroadcastChannel: undefined })
    const t2 = createTabCoordinator({ name: 'x', enabled: false, locks: fakeLocks(), BroadcastChannel })
    open.push(t1, t2)
    expect(t1.getSnapshot()).toEqual({ isLeader: true, shared: false })
    expect(t2.getSnapshot()).toEqual({ isLeader: true, shared: false })
  })
})
