import type { MessageNew } from '@nself/contracts/realtime'
import {
  countPresence,
  presenceOnActivity,
  presenceOnConnect,
  presenceOnExpiry,
  presenceOnIdle,
  presenceOnSet,
} from './presence-rules'
import {
  applyTyping,
  defaultPresence,
  type MessageAck,
  type PresenceChange,
  type RealtimeStore,
  type ReplayRetention,
  type RoomRecord,
  replayFrom,
  type StoredPresence,
  type TypingChange,
  type TypingEntry,
  type TypingOp,
  type UserPresence,
} from './realtime-store'

/** Most `(userId, clientMessageId)` pairs remembered at once; the oldest go first. */
const MAX_DEDUP_ENTRIES = 100_000

/** A buffered message with its timestamp in ms. */
interface ReplayEntry {
  at: number
  message: MessageNew
}

/** The realtime state of a single instance, in memory (the default). */
export class MemoryRealtimeStore implements RealtimeStore {
  readonly kind = 'memory' as const
  readonly #rooms = new Map<string, RoomRecord>()
  readonly #members = new Map<string, Set<string>>()
  readonly #presence = new Map<string, StoredPresence>()
  readonly #sockets = new Map<string, Set<string>>()
  readonly #typing = new Map<string, TypingEntry[]>()
  /** Insertion-ordered, so the oldest claims are the first to go. */
  readonly #claims = new Map<string, MessageAck & { expiresAt: number }>()
  /** Replay buffers, oldest first; the map is ordered by last append, so lapsed rooms are first. */
  readonly #replay = new Map<string, ReplayEntry[]>()

  async getRoom(name: string): Promise<RoomRecord | null> {
    return this.#rooms.get(name) ?? null
  }

  async ensureRoom(name: string): Promise<RoomRecord> {
    let room = this.#rooms.get(name)
    if (!room) {
      room = { name, private: false, allowed: [] }
      this.#rooms.set(name, room)
    }
    return room
  }

  async putRoom(room: RoomRecord): Promise<RoomRecord> {
    const copy = { name: room.name, private: room.private, allowed: [...new Set(room.allowed)] }
    this.#rooms.set(room.name, copy)
    return copy
  }

  async addMember(room: string, userId: string): Promise<{ added: boolean }> {
    let set = this.#members.get(room)
    if (!set) {
      set = new Set()
      this.#members.set(room, set)
    }
    const added = !set.has(userId)
    set.add(userId)
    return { added }
  }

  async removeMember(room: string, userId: string): Promise<boolean> {
    return this.#members.get(room)?.delete(userId) ?? false
  }

  async isMember(room: string, userId: string): Promise<boolean> {
    return this.#members.get(room)?.has(userId) ?? false
  }

  async members(room: string): Promise<string[]> {
    return [...(this.#members.get(room) ?? [])]
  }

  async roomCount(): Promise<number> {
    return this.#rooms.size
  }

  async addConnection(
    userId: string,
    socketId: string,
    now: number,
  ): Promise<{ first: boolean; presence: StoredPresence }> {
    let set = this.#sockets.get(userId)
    if (!set) {
      set = new Set()
      this.#sockets.set(userId, set)
    }
    set.add(socketId)
    const first = set.size === 1
    let presence = this.#presence.get(userId) ?? defaultPresence(now)
    if (first) {
      presence = presenceOnConnect(this.#presence.get(userId) ?? null, now)
      this.#presence.set(userId, presence)
    }
    return { first, presence }
  }

  async removeConnection(userId: string, socketId: string): Promise<{ last: boolean }> {
    const set = this.#sockets.get(userId)
    if (!set?.delete(socketId)) return { last: false }
    if (set.size > 0) return { last: false }
    this.#sockets.delete(userId)
    return { last: true }
  }

  async getPresences(userIds: readonly string[]): Promise<UserPresence[]> {
    return userIds.map((userId) => this.#userPresence(userId))
  }

  async setPresence(userId: string, change: PresenceChange): Promise<StoredPresence> {
    const next = presenceOnSet(this.#presence.get(userId) ?? null, change, Date.now())
    this.#presence.set(userId, next)
    return next
  }

  async expireCustomStatus(userId: string, now: number): Promise<StoredPresence | null> {
    const next = presenceOnExpiry(this.#presence.get(userId) ?? null, now)
    if (next) this.#presence.set(userId, next)
    return next
  }

  async recordActivity(userId: string, now: number): Promise<StoredPresence | null> {
    const { next, lifted } = presenceOnActivity(this.#presence.get(userId) ?? null, now)
    this.#presence.set(userId, next)
    return lifted ? next : null
  }

  async markAway(userId: string, idleSince: number): Promise<StoredPresence | null> {
    const connected = (this.#sockets.get(userId)?.size ?? 0) > 0
    const next = presenceOnIdle(this.#presence.get(userId) ?? null, connected, idleSince)
    if (next) this.#presence.set(userId, next)
    return next
  }

  async presenceCounts(): Promise<{ online: number; away: number; busy: number; offline: number }> {
    return countPresence([...this.#presence.keys()].map((userId) => this.#userPresence(userId)))
  }

  async typing(room: string, now: number): Promise<TypingEntry[]> {
    return (this.#typing.get(room) ?? []).filter((entry) => entry.expiresAt > now)
  }

  async claimMessage(
    userId: string,
    clientMessageId: string,
    ack: MessageAck,
    windowMs: number,
    now: number,
  ): Promise<MessageAck & { duplicate: boolean }> {
    const key = JSON.stringify([userId, clientMessageId])
    const existing = this.#claims.get(key)
    if (existing && existing.expiresAt > now) {
      return { id: existing.id, timestamp: existing.timestamp, duplicate: true }
    }
    this.#claims.delete(key)
    this.#claims.set(key, { ...ack, expiresAt: now + windowMs })
    // Bounded: lapsed claims go, and past the cap the oldest go too.
    for (const [oldKey, claim] of this.#claims) {
      if (claim.expiresAt > now && this.#claims.size <= MAX_DEDUP_ENTRIES) break
      this.#claims.delete(oldKey)
    }
    return { ...ack, duplicate: false }
  }

  async appendMessage(
    room: string,
    message: MessageNew,
    retention: ReplayRetention,
    now: number,
  ): Promise<void> {
    if (retention.limit <= 0 || retention.maxAgeMs <= 0) return
    const buffer = this.#replay.get(room) ?? []
    this.#replay.delete(room)
    buffer.push({ at: Date.parse(message.timestamp), message })
    const oldest = now - retention.maxAgeMs
    let drop = Math.max(buffer.length - retention.limit, 0)
    while (drop < buffer.length && (buffer[drop]?.at ?? 0) < oldest) drop++
    buffer.splice(0, drop)
    if (buffer.length > 0) this.#replay.set(room, buffer)
    // Rooms nobody wrote to since their newest message lapsed go too.
    for (const [name, entries] of this.#replay) {
      if ((entries[entries.length - 1]?.at ?? 0) >= oldest) break
      this.#replay.delete(name)
    }
  }

  async messagesSince(
    room: string,
    sinceMs: number,
    retention: ReplayRetention,
    now: number,
  ): Promise<MessageNew[]> {
    const from = replayFrom(sinceMs, retention, now)
    if (from === null) return []
    const matching = (this.#replay.get(room) ?? []).filter((entry) => entry.at >= from)
    return matching.slice(-retention.limit).map((entry) => entry.message)
  }

  async heartbeat(): Promise<string[]> {
    return []
  }

  async close(): Promise<void> {}

  #userPresence(userId: string): UserPresence {
    const stored = this.#presence.get(userId)
    const connected = (this.#sockets.get(userId)?.size ?? 0) > 0
    return { ...(stored ?? { ...defaultPresence(0), status: 'offline' as const }), userId, connected }
  }

  async updateTyping(room: string, now: number, op: TypingOp): Promise<TypingChange> {
    const { kept, changedThreads } = applyTyping(this.#typing.get(room) ?? [], now, op)
    if (kept.length === 0) this.#typing.delete(room)
    else this.#typing.set(room, kept)
    return { changedThreads, entries: kept }
  }
}
