import type { MessageNew, SettablePresenceStatus } from '@nself/contracts/realtime'

/** A user's presence as stored (what they chose, or auto-away), independent of their sockets. */
export interface StoredPresence {
  /** The chosen status; `away` also when set by inactivity (`autoAway`). */
  status: SettablePresenceStatus
  /** Custom status text, or `null`. */
  customStatus: string | null
  /** Custom status emoji, or `null`. */
  customEmoji: string | null
  /** When the custom status expires (ms since the epoch), or `null` for never. */
  customExpiresAt: number | null
  /** `away` was set by inactivity: the next client event restores `online`. */
  autoAway: boolean
  /** The last client event of the user on any instance (ms since the epoch). */
  lastActivity: number
}

/** A user's presence with whether any of their sockets is connected (on any instance). */
export interface UserPresence extends StoredPresence {
  /** The user id. */
  userId: string
  /** At least one socket of the user is connected. */
  connected: boolean
}

/** What `presence:update` sets: status and custom status, replaced as a whole. */
export interface PresenceChange {
  status: SettablePresenceStatus
  customStatus: string | null
  customEmoji: string | null
  customExpiresAt: number | null
}

/** A room's declaration. */
export interface RoomRecord {
  /** The room's name. */
  name: string
  /** Only `allowed` users may join. */
  private: boolean
  /** Who may join a private room. */
  allowed: readonly string[]
}

/** One socket typing in a room (a user typing from two sockets has two entries). */
export interface TypingEntry {
  /** `''` for the room itself. */
  threadId: string
  userId: string
  socketId: string
  /** When this socket started typing (ms). */
  startedAt: number
  /** When it lapses unless refreshed (ms). */
  expiresAt: number
}

/** The outcome of a typing change in a room. */
export interface TypingChange {
  /** Threads (`''` for the room) whose list of typists changed. */
  changedThreads: string[]
  /** Every live entry of the room after the change. */
  entries: TypingEntry[]
}

/** The ack data of a message, as first assigned. */
export interface MessageAck {
  id: string
  timestamp: string
}

/** What a room's replay buffer keeps (extension: replay on `room:join { since }`). */
export interface ReplayRetention {
  /** The newest this many messages per room; 0 keeps none. */
  limit: number
  /** Only messages at most this old, in ms; 0 keeps none. */
  maxAgeMs: number
}

/** The oldest timestamp (ms) a replay from `sinceMs` may return, or `null` when replay is off. */
export function replayFrom(sinceMs: number, retention: ReplayRetention, now: number): number | null {
  if (retention.limit <= 0 || retention.maxAgeMs <= 0) return null
  return Math.max(sinceMs, now - retention.maxAgeMs)
}

/**
 * The shared state of the realtime plugin: rooms, presence, typing, message de-duplication
 * and the replay buffers. One instance keeps it in memory; several instances share it through
 * Redis. The features only speak to this interface.
 */
export interface RealtimeStore {
  /** `memory` or `redis`. */
  readonly kind: 'memory' | 'redis'

  // Rooms
  /** A room's declaration, or `null` when the room does not exist. */
  getRoom(name: string): Promise<RoomRecord | null>
  /** Creates a public room unless it exists; returns the room. */
  ensureRoom(name: string): Promise<RoomRecord>
  /** Declares (or re-declares) a room. */
  putRoom(room: RoomRecord): Promise<RoomRecord>
  /** Records that `userId` joined; `added` is false when they already were a member. */
  addMember(room: string, userId: string): Promise<{ added: boolean }>
  /** Forgets a membership; `true` when there was one. */
  removeMember(room: string, userId: string): Promise<boolean>
  /** Has `userId` joined `room` (and not left)? */
  isMember(room: string, userId: string): Promise<boolean>
  /** Everyone who joined `room` and has not left. */
  members(room: string): Promise<string[]>
  /** How many rooms exist. */
  roomCount(): Promise<number>

  // Connections and presence
  /**
   * Records a connected socket. `first` when it is the user's only one: their presence then
   * starts over as `online` without custom status (an `invisible` user stays invisible).
   */
  addConnection(
    userId: string,
    socketId: string,
    now: number,
  ): Promise<{ first: boolean; presence: StoredPresence }>
  /** Forgets a socket; `last` when the user has no other socket anywhere. */
  removeConnection(userId: string, socketId: string): Promise<{ last: boolean }>
  /** The presence of each user (unknown users: `offline`, never connected). */
  getPresences(userIds: readonly string[]): Promise<UserPresence[]>
  /** Replaces a user's status and custom status. */
  setPresence(userId: string, change: PresenceChange): Promise<StoredPresence>
  /** Clears a custom status whose expiry has passed; the new presence, or `null` if nothing changed. */
  expireCustomStatus(userId: string, now: number): Promise<StoredPresence | null>
  /** Records activity; the new presence when it lifted an auto-away, else `null`. */
  recordActivity(userId: string, now: number): Promise<StoredPresence | null>
  /**
   * Turns a connected `online` user idle since `idleSince` (or earlier) `away`; the new
   * presence, or `null` when that does not apply.
   */
  markAway(userId: string, idleSince: number): Promise<StoredPresence | null>
  /** Users by the status others see (invisible and disconnected users count as offline). */
  presenceCounts(): Promise<{ online: number; away: number; busy: number; offline: number }>

  // Typing
  /**
   * Applies one typing change to `room` (see {@link TypingOp}) and drops lapsed entries;
   * returns the threads that changed and the live entries.
   */
  updateTyping(room: string, now: number, op: TypingOp): Promise<TypingChange>
  /** The live entries of `room`. */
  typing(room: string, now: number): Promise<TypingEntry[]>

  // Messages
  /**
   * Claims `(userId, clientMessageId)` for `ack` for `windowMs`. A pair claimed before (and
   * within the window) returns the first ack with `duplicate: true`.
   */
  claimMessage(
    userId: string,
    clientMessageId: string,
    ack: MessageAck,
    windowMs: number,
    now: number,
  ): Promise<MessageAck & { duplicate: boolean }>
  /**
   * Appends a broadcast message to its room's replay buffer, then drops what falls out of
   * `retention` (by count and by age at `now`, the age taken from the message's `timestamp`).
   */
  appendMessage(room: string, message: MessageNew, retention: ReplayRetention, now: number): Promise<void>
  /**
   * The buffered messages of `room` with `timestamp` ≥ `sinceMs` and within `retention` at
   * `now`, oldest first; at most `retention.limit`, the newest when more match.
   */
  messagesSince(room: string, sinceMs: number, retention: ReplayRetention, now: number): Promise<MessageNew[]>

  // Instances (scale mode)
  /**
   * Marks this instance alive and forgets the sockets of instances that stopped beating;
   * returns the users who thereby went offline.
   */
  heartbeat(now: number, deadAfterMs: number): Promise<string[]>
  /** Releases the store (forgets this instance's sockets, closes connections). */
  close(): Promise<void>
}

/** A user never seen: `online` once connected, no custom status. */
export function defaultPresence(now: number): StoredPresence {
  return {
    status: 'online',
    customStatus: null,
    customEmoji: null,
    customExpiresAt: null,
    autoAway: false,
    lastActivity: now,
  }
}

/**
 * One typing change: `start` (the socket of a user types in a thread until `now + ttl`),
 * `stop` (the user stopped in that thread, from every socket), `socket` / `user` (remove the
 * entries of a socket that disconnected, or of a user who left), `expire` (only drop lapsed ones).
 */
export type TypingOp =
  | { kind: 'start'; threadId: string; userId: string; socketId: string; ttl: number }
  | { kind: 'stop'; threadId: string; userId: string }
  | { kind: 'socket'; socketId: string }
  | { kind: 'user'; userId: string }
  | { kind: 'expire' }

/**
 * The pure typing transition both stores apply: drops lapsed entries and those `remove`
 * matches, then applies `start`. Returns the entries kept and the threads that changed.
 */
export function applyTyping(
  entries: readonly TypingEntry[],
  now: number,
  op: TypingOp,
): { kept: TypingEntry[]; removed: TypingEntry[]; changedThreads: string[] } {
  const kept: TypingEntry[] = []
  const removed: TypingEntry[] = []
  const changed = new Set<string>()
  let previous: TypingEntry | undefined
  for (const entry of entries) {
    const drop =
      entry.expiresAt <= now ||
      (op.kind === 'stop' && entry.threadId === op.threadId && entry.userId === op.userId) ||
      (op.kind === 'socket' && entry.socketId === op.socketId) ||
      (op.kind === 'user' && entry.userId === op.userId)
    if (
      op.kind === 'start' &&
      entry.threadId === op.threadId &&
      entry.userId === op.userId &&
      entry.socketId === op.socketId
    ) {
      if (entry.expiresAt > now) previous = entry
      continue
    }
    if (drop) {
      removed.push(entry)
      changed.add(entry.threadId)
    } else kept.push(entry)
  }
  if (op.kind === 'start') {
    kept.push({
      threadId: op.threadId,
      userId: op.userId,
      socketId: op.socketId,
      startedAt: previous?.startedAt ?? now,
      expiresAt: now + op.ttl,
    })
    changed.add(op.threadId)
  }
  return { kept, removed, changedThreads: [...changed] }
}
