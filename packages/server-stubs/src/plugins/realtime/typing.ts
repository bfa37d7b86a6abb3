import { type RoomJoinAckData, type TypingEvent, TypingSchema, type Typist } from '@nself/contracts/realtime'
import { onEvent } from './event-handler'
import type { RealtimeContext, RealtimeFeature } from './handlers'
import { requireMember } from './membership'
import type { RealtimeSocket } from './realtime-types'
import { roomKey } from './room-keys'
import type { TypingChange, TypingEntry } from './store/realtime-store'

/** The typists of one thread (`''`: the room), one entry per user, earliest first. */
export function typistsOf(entries: readonly TypingEntry[], threadId: string): Typist[] {
  const byUser = new Map<string, number>()
  for (const entry of entries) {
    if (entry.threadId !== threadId) continue
    const seen = byUser.get(entry.userId)
    if (seen === undefined || entry.startedAt < seen) byUser.set(entry.userId, entry.startedAt)
  }
  return [...byUser]
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    .map(([userId, startedAt]) => ({ userId, startedAt: new Date(startedAt).toISOString() }))
}

/** `typing:event` for a thread; `threadId` absent for the room itself, as the real plugin sends it. */
export function typingEvent(
  roomName: string,
  threadId: string,
  entries: readonly TypingEntry[],
): TypingEvent {
  return { roomName, ...(threadId === '' ? {} : { threadId }), users: typistsOf(entries, threadId) }
}

/** The `room:join` ack's `typing`: every thread with typists (`threadId: ''` for the room itself). */
export function typingByThread(entries: readonly TypingEntry[]): NonNullable<RoomJoinAckData['typing']> {
  const threads = [...new Set(entries.map((e) => e.threadId))].sort()
  return threads.map((threadId) => ({ threadId, users: typistsOf(entries, threadId) }))
}

/** Tells the whole room about every thread whose typists changed. */
function broadcastChange(ctx: RealtimeContext, roomName: string, change: TypingChange): void {
  for (const threadId of change.changedThreads) {
    ctx.io.to(roomKey(roomName)).emit('typing:event', typingEvent(roomName, threadId, change.entries))
  }
}

/**
 * Tells the room what a typist's own start/stop changed: the typist's thread goes to the other
 * sockets only; threads where typists lapsed meanwhile go to everyone.
 */
function broadcastFromTypist(
  socket: RealtimeSocket,
  ctx: RealtimeContext,
  roomName: string,
  threadId: string,
  change: TypingChange,
): void {
  for (const changed of change.changedThreads) {
    const event = typingEvent(roomName, changed, change.entries)
    if (changed === threadId) socket.to(roomKey(roomName)).emit('typing:event', event)
    else ctx.io.to(roomKey(roomName)).emit('typing:event', event)
  }
}

/** Removes a user's typing in a room (they left it) and tells the room. */
export async function clearUserTyping(ctx: RealtimeContext, roomName: string, userId: string): Promise<void> {
  broadcastChange(ctx, roomName, await ctx.store.updateTyping(roomName, Date.now(), { kind: 'user', userId }))
}

/**
 * Typing: `typing:start` keeps the typist `REALTIME_TYPING_TIMEOUT` ms (3000); `typing:event`
 * with the full list goes to the other sockets of the room on start and stop, and to the
 * whole room when a typist lapses (extension) or their socket disconnects (at once). One
 * entry per user, however many sockets or starts.
 */
export function createTypingFeature(): RealtimeFeature {
  /** `socketId` → rooms it typed in (for its disconnect). */
  const typedIn = new Map<string, Set<string>>()
  /** `socketId\0room\0thread` → the lapse check of that typist. */
  const timers = new Map<string, NodeJS.Timeout>()
  const timerKey = (socketId: string, roomName: string, threadId: string) =>
    `${socketId}\u0000${roomName}\u0000${threadId}`

  function clearTimer(key: string): void {
    clearTimeout(timers.get(key))
    timers.delete(key)
  }

  function clearSocketTimers(socketId: string): void {
    for (const key of timers.keys()) if (key.startsWith(`${socketId}\u0000`)) clearTimer(key)
  }

  return {
    name: 'typing',

    start() {
      return () => {
        for (const timer of timers.values()) clearTimeout(timer)
        timers.clear()
      }
    },

    register(socket: RealtimeSocket, ctx) {
      const { user } = socket.data
      onEvent(socket, ctx, 'typing:start', TypingSchema, async ({ roomName, threadId = '' }) => {
        if (!socket.connected) return
        await requireMember(socket, ctx, roomName)
        const ttl = ctx.config.typingTimeoutMs
        const change = await ctx.store.updateTyping(roomName, Date.now(), {
          kind: 'start',
          threadId,
          userId: user.userId,
          socketId: socket.id,
          ttl,
        })
        let rooms = typedIn.get(socket.id)
        if (!rooms) {
          rooms = new Set()
          typedIn.set(socket.id, rooms)
        }
        rooms.add(roomName)
        const key = timerKey(socket.id, roomName, threadId)
        clearTimer(key)
        const timer = setTimeout(() => {
          timers.delete(key)
          ctx.track('typing expiry', async () => {
            broadcastChange(
              ctx,
              roomName,
              await ctx.store.updateTyping(roomName, Date.now(), { kind: 'expire' }),
            )
          })
        }, ttl + 5)
        timer.unref()
        timers.set(key, timer)
        broadcastFromTypist(socket, ctx, roomName, threadId, change)
      })
      onEvent(socket, ctx, 'typing:stop', TypingSchema, async ({ roomName, threadId = '' }) => {
        const change = await ctx.store.updateTyping(roomName, Date.now(), {
          kind: 'stop',
          threadId,
          userId: user.userId,
        })
        clearTimer(timerKey(socket.id, roomName, threadId))
        broadcastFromTypist(socket, ctx, roomName, threadId, change)
      })
    },

    async disconnect(socket, ctx) {
      const rooms = typedIn.get(socket.id)
      typedIn.delete(socket.id)
      clearSocketTimers(socket.id)
      if (!rooms) return
      for (const roomName of rooms) {
        broadcastChange(
          ctx,
          roomName,
          await ctx.store.updateTyping(roomName, Date.now(), { kind: 'socket', socketId: socket.id }),
        )
      }
    },
  }
}
