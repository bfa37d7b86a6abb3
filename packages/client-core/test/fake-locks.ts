// Test support shared by the SDKs' cross-tab tests (Node has BroadcastChannel, not Web Locks).
import type { LockManagerLike } from '../src/tab-coordinator'

// A faithful-enough LockManager: exclusive locks granted in request order, released when the
// callback's promise settles; a request aborted while waiting rejects and never runs.
export function fakeLocks(): LockManagerLike {
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
