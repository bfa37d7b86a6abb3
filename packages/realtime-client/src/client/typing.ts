import type { Typist as WireTypist } from '@nself/contracts/realtime'
import type { Typist } from '../types'
import type { Core, Timer } from './core'

const sameTypists = (a: readonly Typist[], b: readonly Typist[]) =>
  a.length === b.length && a.every((t, i) => t.userId === b[i]?.userId && t.threadId === b[i]?.threadId)

/**
 * Typing both ways. Out: `typing:start` at most once per `typingThrottleMs` while typing,
 * `typing:stop` at once when asked and after `typingIdleMs` without input. In: each room's
 * typists (self excluded), expired locally after `typingTimeoutMs` even when the server says
 * nothing.
 */
export function createTyping(core: Core, joined: (room: string) => boolean) {
  const o = core.options
  const expiry = new Map<string, Map<string, number>>() // room → `${thread}\n${user}` → expires at
  const typingOut = new Map<string, { last: number; idle?: Timer }>() // `${room}\n${thread}`
  let timer: Timer | undefined

  function expire() {
    const now = Date.now()
    let next = Infinity
    clearTimeout(timer)
    for (const [roomName, m] of expiry) {
      const typing: Typist[] = []
      for (const [k, at] of m) {
        if (at <= now) m.delete(k)
        else {
          next = Math.min(next, at)
          const [threadId, userId] = k.split('\n') as [string, string]
          typing.push(threadId ? { userId, threadId } : { userId })
        }
      }
      if (!m.size) expiry.delete(roomName)
      core.patchRoom(roomName, (r) => (sameTypists(r.typing, typing) ? undefined : { typing }))
    }
    if (next < Infinity) timer = setTimeout(expire, next - now)
  }

  const typing = {
    /** Who types in `roomName` (and `threadId`) now, as the server says. */
    receive(roomName: string, users: readonly WireTypist[], threadId?: string) {
      if (!joined(roomName)) return
      const t = `${threadId ?? ''}\n`
      const room = expiry.get(roomName) ?? new Map<string, number>()
      expiry.set(roomName, room)
      const listed = new Set(users.filter((u) => u.userId !== core.me()).map((u) => t + u.userId))
      for (const k of room.keys()) if (k.startsWith(t) && !listed.has(k)) room.delete(k)
      for (const k of listed) room.set(k, Date.now() + (o.typingTimeoutMs ?? 3_000))
      expire()
    },
    start(roomName: string, threadId?: string) {
      const key = `${roomName}\n${threadId ?? ''}`
      const now = Date.now()
      const t = typingOut.get(key) ?? { last: 0 }
      typingOut.set(key, t)
      clearTimeout(t.idle)
      t.idle = setTimeout(() => typing.stop(roomName, threadId), o.typingIdleMs ?? 5_000)
      if (now - t.last < (o.typingThrottleMs ?? 2_000) || !core.live()) return
      t.last = now
      core.emit('typing:start', { roomName, ...(threadId && { threadId }) })
    },
    stop(roomName: string, threadId?: string) {
      const key = `${roomName}\n${threadId ?? ''}`
      const t = typingOut.get(key)
      if (!t) return
      clearTimeout(t.idle)
      typingOut.delete(key)
      if (t.last && core.live()) core.emit('typing:stop', { roomName, ...(threadId && { threadId }) })
    },
    /** Stops typing in `roomName` and forgets its typists (the room was left). */
    leave(roomName: string) {
      for (const k of typingOut.keys()) {
        const [room, thread] = k.split('\n') as [string, string]
        if (room === roomName) typing.stop(room, thread || undefined)
      }
      expiry.delete(roomName)
    },
    /** Drops every timer and typist (the connection closed). */
    clear() {
      clearTimeout(timer)
      for (const t of typingOut.values()) clearTimeout(t.idle)
      typingOut.clear()
      expiry.clear()
    },
  }
  return typing
}
