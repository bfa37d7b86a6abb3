import type { MessageNew, PresenceChanged, RoomJoinAckData, Typist } from '@nself/contracts/realtime'
import { type Core, type Deferred, deferred, err } from './core'
import { joiningRoom } from './state'

type JoinedRoom = {
  /** Joins not yet left. */
  n: number
  join: Deferred<RoomJoinAckData>
  release: () => void
  /** Server time of the first join: nothing older was ever promised to this client. */
  floor?: string
  /**
   * Server time up to which this client has every message of the room. ISO strings from the
   * server's `toISOString`, so they compare as strings (no `Date.parse` per message).
   */
  cursor?: string
  /** `message:new` received while a re-join is in flight: delivered after its replay. */
  held?: MessageNew[]
}

/**
 * How far before its cursor a re-join asks the server to replay from. Messages are stamped
 * when received but can be broadcast out of stamp order (several instances, a slow store),
 * so the last stamp seen does not prove that every earlier one arrived; repeats are dropped.
 */
const REPLAY_MARGIN_MS = 5_000

/** A re-join's `since`: a margin before the room's cursor, never before the first join. */
function sinceOf(r: JoinedRoom): string | undefined {
  const at = Math.max(Date.parse(r.cursor ?? '') - REPLAY_MARGIN_MS, Date.parse(r.floor ?? '') || 0)
  return at > 0 ? new Date(at).toISOString() : undefined
}

/** What a room's join ack feeds to the other parts of the client. */
export interface RoomHooks {
  /** Delivers a message as if it had just arrived (replayed and held ones). */
  deliver(m: MessageNew): void
  /** Mark of a presence read started now, and applying its result. */
  presenceMark(): number
  putPresence(list: readonly PresenceChanged[], since: number): void
  typists(roomName: string, users: readonly Typist[], threadId?: string): void
  /** The room was left: stop typing in it, drop its list. */
  left(roomName: string): void
}

/**
 * Rooms joined, counted (two `joinRoom`s need two `leaveRoom`s) and remembered across
 * reconnects. A re-join asks the server to replay what was sent since the room's cursor
 * (extension: `room:join { since }`); live messages wait meanwhile, so the replay comes first
 * and each sender's order holds.
 */
export function createRooms(core: Core, hooks: RoomHooks) {
  const rooms = new Map<string, JoinedRoom>()

  function sendJoin(roomName: string, done?: () => void) {
    const readAt = hooks.presenceMark()
    const joining = rooms.get(roomName)
    const since = joining && sinceOf(joining)
    if (since) joining.held ??= []
    core.emitAck('room:join', since ? { roomName, since } : { roomName }, (error, data) => {
      done?.()
      const r = rooms.get(roomName)
      if (!r || r !== joining) return
      const held = r.held ?? []
      r.held = undefined
      const d = data as RoomJoinAckData
      if (!error && d) {
        const at = d.serverTime
        if (at) {
          r.floor ??= at
          if (!(at <= (r.cursor ?? ''))) r.cursor = at
        }
        for (const m of d.messages ?? []) hooks.deliver(m)
      }
      for (const m of held) hooks.deliver(m)
      // Transport failures wait for the next replay; refusals are final.
      if (error) {
        if (!error.retryable) {
          core.patchRoom(roomName, () => ({ status: 'error', error }))
          r.join.ko(error)
        }
        return
      }
      core.patchRoom(roomName, (room) => ({
        status: 'joined',
        error: null,
        memberCount: d.memberCount,
        members: d.members ? d.members.map((m) => m.userId) : room.members,
      }))
      if (d.members) hooks.putPresence(d.members as PresenceChanged[], readAt)
      for (const t of d.typing ?? []) hooks.typists(roomName, t.users, t.threadId || undefined)
      r.join.ok(d)
    })
  }

  return {
    has: (roomName: string) => rooms.has(roomName),
    join(roomName: string): Promise<RoomJoinAckData> {
      const r = rooms.get(roomName)
      if (r) {
        r.n++
        return r.join.p
      }
      const join = deferred<RoomJoinAckData>()
      rooms.set(roomName, { n: 1, join, release: core.hold() })
      core.set({
        rooms: {
          ...core.get().rooms,
          [roomName]: joiningRoom(roomName),
        },
      })
      if (core.live()) sendJoin(roomName)
      return join.p
    },
    async leave(roomName: string): Promise<void> {
      const r = rooms.get(roomName)
      if (!r || r.n <= 0 || --r.n) return
      // Deferred like the socket: a leave and a join in the same tick (StrictMode) cancel out.
      await new Promise((done) => setTimeout(done, 0))
      if (r.n || rooms.get(roomName) !== r) return
      rooms.delete(roomName)
      r.join.ko(err('ABORTED', 'Left the room'))
      hooks.left(roomName)
      const { [roomName]: _, ...rest } = core.get().rooms
      core.set({ rooms: rest })
      if (core.live()) await new Promise((done) => core.emitAck('room:leave', { roomName }, done, 1))
      r.release()
    },
    /** Joins every room again on a new connection; resolves when every ack is in. */
    rejoin: () =>
      Promise.all([...rooms.keys()].map((room) => new Promise<void>((done) => sendJoin(room, done)))),
    /**
     * Takes a live `message:new` first: `true` when it waits for its room's re-join. Otherwise
     * moves the room's cursor to it.
     */
    hold(m: MessageNew): boolean {
      const r = rooms.get(m.roomName)
      if (r?.held) return !!r.held.push(m)
      if (r && !(m.timestamp <= (r.cursor ?? ''))) r.cursor = m.timestamp
      return false
    },
    /** Rejects every pending join with `ABORTED` and forgets the rooms (the client was closed). */
    close() {
      for (const r of rooms.values()) r.join.ko(err('ABORTED', 'Closed'))
      rooms.clear()
    },
  }
}
