import type { PresenceChanged } from '@nself/contracts/realtime'
import type { CustomStatus, Presence, PresenceStatus, RealtimeClient } from '../types'
import type { Core, Timer } from './core'

/** `dnd` on the SDK side is `busy` on the wire. */
export const toWireStatus = (s: PresenceStatus) => (s === 'dnd' ? 'busy' : s)

/** The SDK's view of a wire presence (`busy` → `dnd`, absent custom fields → `null`). */
export const fromWirePresence = (p: PresenceChanged): Presence => ({
  userId: p.userId,
  status: p.status === 'busy' ? 'dnd' : p.status,
  customStatus: p.customStatus ?? null,
  customEmoji: p.customEmoji ?? null,
})

/**
 * Presence both ways: this user's status and custom status (sent again after every reconnect,
 * cleared at its expiry, `away` after `idleAwayMs` without input in any tab of the user) and
 * the presence of the users watched or met in rooms, read in bulk with `presence:get`.
 */
export function createPresence(core: Core, request: RealtimeClient['request']) {
  const o = core.options
  const watched = new Map<string, number>()
  const changedAt = new Map<string, number>() // user → `events` at their last presence:changed
  let events = 0
  let fetched = new Set<string>()
  let watchQueued = false
  let statusTimer: Timer | undefined
  let autoAway = false
  let lastActive = 0
  let lastPeerPing = 0
  let idleTimer: Timer | undefined
  let idleOff: (() => void) | undefined

  function send() {
    const { status, customStatus: c } = core.peek().self
    core.emit('presence:update', {
      status: toWireStatus(status),
      ...(c && {
        customStatus: {
          text: c.text,
          ...(c.emoji && { emoji: c.emoji }),
          ...(c.expiresAt !== undefined && { expiresAt: new Date(c.expiresAt).toISOString() }),
        },
      }),
    })
  }

  function queueWatch() {
    if (watchQueued) return
    watchQueued = true
    // One `presence:get` for everything asked for in the same tick (500 avatars mounting).
    queueMicrotask(() => {
      watchQueued = false
      const ids = [...watched.keys()].filter((u) => !fetched.has(u))
      if (!core.live() || !ids.length) return
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000)
        for (const u of chunk) fetched.add(u)
        presence.get(chunk).catch(() => {
          for (const u of chunk) fetched.delete(u)
        })
      }
    })
  }

  const presence = {
    /** A mark to pass to {@link put} for a read started now. */
    mark: () => events,
    /**
     * Applies presences. A read (`presence:get`, a join's members) started at mark `since`
     * skips users with a `presence:changed` received meanwhile: the server may answer from a
     * read taken before a change whose event overtook the answer.
     */
    put(list: readonly PresenceChanged[], since?: number) {
      let next: Record<string, Presence> | undefined
      for (const p of list) {
        if (since === undefined) changedAt.set(p.userId, ++events)
        else if ((changedAt.get(p.userId) ?? 0) > since) continue
        const value = fromWirePresence(p)
        const prev = (next ?? core.peek().presence)[p.userId]
        if (
          !prev ||
          prev.status !== value.status ||
          prev.customStatus !== value.customStatus ||
          prev.customEmoji !== value.customEmoji
        ) {
          next ??= { ...core.peek().presence }
          next[p.userId] = value
        }
      }
      if (next) core.set({ presence: next })
    },
    set(status: PresenceStatus, customStatus: CustomStatus | null = null) {
      autoAway = false
      core.set({ self: { status, customStatus } })
      send()
      clearTimeout(statusTimer)
      if (customStatus?.expiresAt !== undefined)
        statusTimer = setTimeout(
          () =>
            core.peek().self.customStatus === customStatus &&
            core.set({ self: { status, customStatus: null } }),
          Math.max(0, new Date(customStatus.expiresAt).getTime() - Date.now()),
        )
    },
    async get(userIds: readonly string[]) {
      const since = events
      const { presences } = await request('presence:get', { userIds: [...userIds] })
      presence.put(presences, since)
      return presences.map(fromWirePresence)
    },
    watch(userIds: readonly string[]) {
      const release = core.hold()
      for (const u of userIds) watched.set(u, (watched.get(u) ?? 0) + 1)
      queueWatch()
      return () => {
        for (const u of userIds) {
          const n = (watched.get(u) ?? 1) - 1
          if (n > 0) watched.set(u, n)
          else watched.delete(u)
        }
        release()
      }
    },
    /** After every (re)connect: this user's status, then the watched users read again. */
    connected() {
      const { status, customStatus } = core.peek().self
      if (status !== 'online' || customStatus) send()
      fetched = new Set()
      queueWatch()
    },
    /** The user did something here (`local`) or in another tab of theirs. */
    activity(local: boolean) {
      const now = Date.now()
      lastActive = now
      if (local && now - lastPeerPing > 10_000) {
        lastPeerPing = now
        core.peer(1) // other tabs of this user count as active too
      }
      if (autoAway) presence.set('online', core.peek().self.customStatus)
    },
    /** Starts idle detection (browsers only; off with `idleAwayMs: false`). */
    start() {
      const awayMs = o.idleAwayMs ?? 300_000
      const g = globalThis as unknown as Window
      if (awayMs === false || !g.document) return
      const onActivity = () => presence.activity(true)
      const types = ['pointerdown', 'pointermove', 'keydown', 'scroll', 'focus']
      for (const t of types) g.addEventListener(t, onActivity, { passive: true, capture: true })
      idleOff = () => {
        for (const t of types) g.removeEventListener(t, onActivity, { capture: true })
        idleOff = undefined
      }
      lastActive = Date.now()
      const check = () => {
        const left = lastActive + awayMs - Date.now()
        if (left <= 0 && !autoAway && core.peek().self.status === 'online') {
          core.set({ self: { ...core.peek().self, status: 'away' } })
          autoAway = true
          send()
        }
        idleTimer = setTimeout(check, left > 0 ? left : awayMs)
      }
      idleTimer = setTimeout(check, awayMs)
    },
    /** Stops idle detection and the custom-status timer (the connection closed). */
    stop() {
      idleOff?.()
      clearTimeout(statusTimer)
      clearTimeout(idleTimer)
    },
  }
  return presence
}
