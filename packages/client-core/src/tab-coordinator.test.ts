import { createTabCoordinator, type TabCoordinator } from '@nself/client-core'
import { afterEach, describe, expect, it } from 'vitest'
import { fakeLocks } from '../test/fake-locks'

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
