import {
  type PresenceChanged,
  PresenceGetSchema,
  type PresenceUpdate,
  PresenceUpdateSchema,
  type RoomMember,
} from '@nself/contracts/realtime'
import { onEvent } from './event-handler'
import type { RealtimeContext, RealtimeFeature } from './handlers'
import type { RealtimeSocket } from './realtime-types'
import { userKey } from './room-keys'
import { visibleStatus } from './store/presence-rules'
import type { PresenceChange, StoredPresence, UserPresence } from './store/realtime-store'

/** Longest delay `setTimeout` takes; later expiries are re-armed. */
const MAX_TIMER_MS = 2_147_483_647

/** The custom status fields as the wire has them: the text and emoji, `null` when unset or lapsed. */
function customFields(
  p: StoredPresence,
  now: number,
): { customStatus: string | null; customEmoji: string | null } {
  if (p.customExpiresAt !== null && p.customExpiresAt <= now) return { customStatus: null, customEmoji: null }
  return { customStatus: p.customStatus, customEmoji: p.customEmoji }
}

/**
 * `presence:changed` for a viewer: the user's own sockets see everything (`invisible`
 * included); others see `offline` for a disconnected or invisible user, exactly as the real
 * plugin says a user went offline (`{ userId, status: 'offline' }`).
 */
export function presenceFor(p: UserPresence, self: boolean, now = Date.now()): PresenceChanged {
  const status = visibleStatus(p, self)
  if (status === 'offline' && !self) return { userId: p.userId, status: 'offline' }
  return { userId: p.userId, status, ...customFields(p, now) }
}

/** A room member as the `room:join` ack lists them (others' view: invisible is `offline`). */
export function memberFor(p: UserPresence, now = Date.now()): RoomMember {
  const status = visibleStatus(p, false)
  if (status === 'offline' || status === 'invisible') {
    return { userId: p.userId, status: 'offline', customStatus: null, customEmoji: null }
  }
  return { userId: p.userId, status, ...customFields(p, now) }
}

/** Tells everyone a connected user's presence (an invisible user: `offline` to all but themselves). */
export function broadcastPresence(ctx: RealtimeContext, userId: string, p: StoredPresence): void {
  const now = Date.now()
  const self = presenceFor({ ...p, userId, connected: true }, true, now)
  if (p.status === 'invisible') {
    ctx.io.to(userKey(userId)).emit('presence:changed', self)
    ctx.io.except(userKey(userId)).emit('presence:changed', { userId, status: 'offline' })
  } else {
    ctx.io.emit('presence:changed', self)
  }
}

/** `presence:update`'s payload as a stored change (a custom status already lapsed is none). */
function toChange(payload: PresenceUpdate, now: number): PresenceChange {
  const custom = payload.customStatus
  const expiresAt = custom?.expiresAt === undefined ? null : Date.parse(custom.expiresAt)
  if (!custom || (expiresAt !== null && expiresAt <= now)) {
    return { status: payload.status, customStatus: null, customEmoji: null, customExpiresAt: null }
  }
  return {
    status: payload.status,
    // As the real plugin: an empty text or emoji is no text or emoji.
    customStatus: custom.text || null,
    customEmoji: custom.emoji || null,
    customExpiresAt: expiresAt,
  }
}

/**
 * Presence: a user is online while any of their sockets is connected (on any instance);
 * `presence:update` (busy, away, online, offline, invisible; custom status with expiry),
 * `presence:get`, auto-away after `REALTIME_AWAY_TIMEOUT` without events, and the instance
 * heartbeat of scale mode.
 */
export function createPresenceFeature(): RealtimeFeature {
  /** User → their last event on this instance. */
  const lastEvent = new Map<string, number>()
  /** User → when this instance last wrote their activity to the store. */
  const lastWrite = new Map<string, number>()
  /** User → when this instance last checked them for auto-away in their current idle spell. */
  const idleCheckedAt = new Map<string, number>()
  const expiryTimers = new Map<string, NodeJS.Timeout>()

  function scheduleExpiry(ctx: RealtimeContext, userId: string, at: number | null): void {
    clearTimeout(expiryTimers.get(userId))
    expiryTimers.delete(userId)
    if (at === null) return
    const timer = setTimeout(
      () => {
        expiryTimers.delete(userId)
        if (at > Date.now()) {
          scheduleExpiry(ctx, userId, at)
          return
        }
        ctx.track('custom status expiry', async () => {
          const next = await ctx.store.expireCustomStatus(userId, Date.now())
          if (!next) return
          const [user] = await ctx.store.getPresences([userId])
          if (user?.connected) broadcastPresence(ctx, userId, next)
        })
      },
      Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS),
    )
    timer.unref()
    expiryTimers.set(userId, timer)
  }

  function forgetLocally(userId: string): void {
    lastEvent.delete(userId)
    lastWrite.delete(userId)
    idleCheckedAt.delete(userId)
  }

  return {
    name: 'presence',

    start(ctx) {
      const stops: Array<() => void> = []
      const away = ctx.config.awayTimeoutMs
      if (away > 0) {
        const tick = setInterval(
          () => {
            const now = Date.now()
            const idleSince = now - away
            for (const [userId, last] of lastEvent) {
              if (last > idleSince) continue
              const checked = idleCheckedAt.get(userId)
              if (checked !== undefined && now - checked < away) continue
              idleCheckedAt.set(userId, now)
              ctx.track('auto-away', async () => {
                const next = await ctx.store.markAway(userId, idleSince)
                if (next) broadcastPresence(ctx, userId, next)
              })
            }
          },
          Math.min(Math.max(Math.floor(away / 4), 20), 5_000),
        )
        tick.unref()
        stops.push(() => clearInterval(tick))
      }
      // Scale mode: this instance is alive; the users of instances that died go offline.
      const beat = () =>
        ctx.track('heartbeat', async () => {
          const hb = ctx.config.presenceHeartbeatMs
          for (const userId of await ctx.store.heartbeat(Date.now(), 3 * hb)) {
            ctx.io.emit('presence:changed', { userId, status: 'offline' })
          }
        })
      beat()
      const heartbeat = setInterval(beat, ctx.config.presenceHeartbeatMs)
      heartbeat.unref()
      stops.push(() => clearInterval(heartbeat))
      stops.push(() => {
        for (const timer of expiryTimers.values()) clearTimeout(timer)
        expiryTimers.clear()
      })
      return () => {
        for (const stop of stops) stop()
      }
    },

    register(socket, ctx) {
      const { user } = socket.data
      onEvent(socket, ctx, 'presence:update', PresenceUpdateSchema, async (payload) => {
        // The real plugin keeps no presence for anonymous sockets.
        if (user.anonymous) return
        const presence = await ctx.store.setPresence(user.userId, toChange(payload, Date.now()))
        broadcastPresence(ctx, user.userId, presence)
        scheduleExpiry(ctx, user.userId, presence.customExpiresAt)
      })
      onEvent(socket, ctx, 'presence:get', PresenceGetSchema, async ({ userIds }) => {
        const unique = [...new Set(userIds)]
        const now = Date.now()
        const presences = await ctx.store.getPresences(unique)
        return { presences: presences.map((p) => presenceFor(p, p.userId === user.userId, now)) }
      })
    },

    async connect(socket: RealtimeSocket, ctx) {
      const { user } = socket.data
      if (user.anonymous) return
      const now = Date.now()
      lastEvent.set(user.userId, now)
      idleCheckedAt.delete(user.userId)
      const { first, presence } = await ctx.store.addConnection(user.userId, socket.id, now)
      if (first) {
        // As the real plugin: everyone, the newcomer included, hears it before `connected`.
        broadcastPresence(ctx, user.userId, presence)
      } else {
        // Another socket of a connected user: only the newcomer needs telling.
        socket.emit(
          'presence:changed',
          presenceFor({ ...presence, userId: user.userId, connected: true }, true, now),
        )
      }
      scheduleExpiry(ctx, user.userId, presence.customExpiresAt)
    },

    onEvent(socket, ctx) {
      const { user } = socket.data
      const away = ctx.config.awayTimeoutMs
      if (user.anonymous || away <= 0) return
      const now = Date.now()
      lastEvent.set(user.userId, now)
      idleCheckedAt.delete(user.userId)
      // At most one store write a second per user (sooner with a short away timeout).
      if (now - (lastWrite.get(user.userId) ?? 0) < Math.min(1_000, away / 4)) return
      lastWrite.set(user.userId, now)
      ctx.track('activity', async () => {
        const lifted = await ctx.store.recordActivity(user.userId, now)
        if (lifted) broadcastPresence(ctx, user.userId, lifted)
      })
    },

    async disconnect(socket, ctx) {
      const { user } = socket.data
      if (user.anonymous) return
      const { last } = await ctx.store.removeConnection(user.userId, socket.id)
      if (!ctx.state.userSockets.has(user.userId)) forgetLocally(user.userId)
      if (last) {
        ctx.io.emit('presence:changed', { userId: user.userId, status: 'offline' })
        clearTimeout(expiryTimers.get(user.userId))
        expiryTimers.delete(user.userId)
      }
    },
  }
}
