import type { NselfError, ReadableStore, TokenProvider } from '@nself/client-core'
import type {
  Ack,
  ClientToServerEvents,
  Device,
  PresenceGetAckData,
  RoomJoinAckData,
  ServerToClientEvents,
} from '@nself/contracts/realtime'

/**
 * A user's presence as the SDK names it. `dnd` is the wire's `busy`; `invisible` (extension)
 * is only ever seen by the user themself — everyone else sees `offline`.
 */
export type PresenceStatus = 'online' | 'away' | 'dnd' | 'invisible' | 'offline'

/** A custom status message, cleared by the server (and locally) at `expiresAt`. */
export interface CustomStatus {
  text: string
  emoji?: string
  /** When the status clears itself: a `Date`, an ISO string or epoch milliseconds. */
  expiresAt?: Date | string | number
}

/** One user's presence, as last heard from the server. */
export interface Presence {
  userId: string
  status: PresenceStatus
  /** The custom status text, or `null` when unset. */
  customStatus: string | null
  customEmoji: string | null
}

/** Where the connection is. */
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'error'

/** The connection's state machine, from Socket.IO's Manager events. */
export interface ConnectionState {
  status: ConnectionStatus
  /** Reconnection attempt in progress or last made (0 when connected). */
  attempt: number
  /** When the next reconnection attempt starts (epoch ms), while waiting for it. */
  nextRetryAt: number | null
  /** Why the last connection attempt failed or the connection dropped. */
  lastError: NselfError | null
  /** The signed-in user (the token's `userId` claim, or the `userId` option). */
  userId: string | null
  /** The server's id of the current socket (changes on every new connection). */
  socketId: string | null
}

/** A chat message in a room. */
export interface Message {
  /** Server-assigned id (extension); `null` until the server has acknowledged it. */
  id: string | null
  /** The sender's id for the message, used to de-duplicate resends. */
  clientMessageId?: string
  roomName: string
  userId: string
  content: string
  threadId?: string
  metadata?: Record<string, unknown>
  /** ISO-8601; the local send time until the server's arrives. */
  timestamp: string
  /** `pending` while in the outbox, `sent` once acknowledged or received, `failed` with `error`. */
  status: 'pending' | 'sent' | 'failed'
  error?: NselfError
}

/** Someone typing in a room (or one of its threads). */
export interface Typist {
  userId: string
  threadId?: string
}

/** What the client knows about a joined room. */
export interface RoomState {
  name: string
  status: 'joining' | 'joined' | 'error'
  error: NselfError | null
  /** Member user ids (from the join, then `user:joined` / `user:left`). */
  members: string[]
  memberCount: number
  /** Live messages received or sent since joining, oldest first (bounded by `maxMessages`). */
  messages: Message[]
  /** Who is typing, self excluded, expired locally after `typingTimeoutMs`. */
  typing: Typist[]
}

/** The offline outbox, for the UI ("3 messages waiting"). */
export interface OutboxState {
  /** Messages not yet acknowledged by the server. */
  size: number
  /** When the oldest of them was sent (epoch ms), or `null`. */
  oldestAt: number | null
  /** The last message the outbox gave up on (`OUTBOX_FULL`, `MESSAGE_EXPIRED`, or a server refusal). */
  lastError: NselfError | null
}

/** The whole state of a {@link RealtimeClient}; read slices of it with selectors. */
export interface RealtimeState {
  connection: ConnectionState
  outbox: OutboxState
  rooms: Readonly<Record<string, RoomState>>
  /** Presence of every user heard of, by user id. Entries keep their identity until they change. */
  presence: Readonly<Record<string, Presence>>
  /** What this user asked for with `setPresence`. */
  self: { status: PresenceStatus; customStatus: CustomStatus | null }
}

/** Server → client events, by name, with their payloads. */
export type ServerEvents = { [E in keyof ServerToClientEvents]: Parameters<ServerToClientEvents[E]>[0] }
/** Client → server events, by name, with their payloads. */
export type ClientEvents = { [E in keyof ClientToServerEvents]: Parameters<ClientToServerEvents[E]>[0] }
/** The client events that take an acknowledgement, with its data type. */
export type AckData = {
  'room:join': RoomJoinAckData
  'room:leave': undefined
  'message:send': { id: string; timestamp: string }
  'presence:get': PresenceGetAckData
  'call:offer': undefined
  'call:answer': undefined
  'call:ice-candidate': undefined
  'call:hangup': undefined
}

/** Options of {@link createRealtimeClient}. */
export interface RealtimeClientOptions {
  /** The realtime plugin's URL. Default: `NselfProvider`'s, else `NEXT_PUBLIC_REALTIME_URL`, else (dev) port 3101. */
  url?: string
  /** Access token for every connect and reconnect. Default: the `NselfProvider` / `configureNself` one. */
  getToken?: TokenProvider
  /** The signed-in user, when the token's `userId` claim cannot be read (self is excluded from typists). */
  userId?: string
  /** Sent in the handshake. */
  device?: Device
  /** Tenant, sent as the handshake's `sourceAccountId`. */
  sourceAccountId?: string
  /**
   * One socket per browser origin shared by every tab (Web Locks + BroadcastChannel), falling
   * back to one per tab where those are missing. `false` for one socket per tab. Default `true`.
   * The object form injects the browser APIs (tests) or names the group.
   */
  tabSharing?:
    | boolean
    | {
        name?: string
        locks?: import('@nself/client-core').LockManagerLike
        BroadcastChannel?: new (name: string) => import('@nself/client-core').BroadcastChannelLike
      }
  /** Bounds of the offline outbox. */
  outbox?: {
    /** Messages held at most; one more is refused with `OUTBOX_FULL`. Default 100. */
    maxSize?: number
    /** A message not acknowledged within this many ms fails with `MESSAGE_EXPIRED`. Default 300 000. */
    maxAgeMs?: number
    /**
     * Messages sent ahead of their acknowledgement. Default `maxSize` (all of them). The order
     * per sender holds: the server handles a connection's events in order, a failed one stops
     * the next until it is through, and after a `RATE_LIMITED` the outbox sends one at a time
     * until it is empty.
     */
    maxInFlight?: number
  }
  /** A missing acknowledgement counts as lost after this many ms (and is retried). Default 10 000. */
  ackTimeoutMs?: number
  /** Typists are dropped this long after the last `typing:event` naming them. Default 3 000 (the server's). */
  typingTimeoutMs?: number
  /** `typing:start` is sent at most once per this many ms while typing. Default 2 000. */
  typingThrottleMs?: number
  /** `typing:stop` is sent after this many ms without input. Default 5 000. */
  typingIdleMs?: number
  /** Live messages kept per room (load older ones from your backend). Default 100. */
  maxMessages?: number
  /** Set `away` after this many ms without user activity (and `online` on the next); `false` turns it off. Default 300 000. */
  idleAwayMs?: number | false
  /** Socket.IO client options (transports, reconnection delays, …) merged over the SDK's. */
  socket?: Record<string, unknown>
}

/** Options of {@link RealtimeClient.send}. */
export interface SendOptions {
  threadId?: string
  metadata?: Record<string, unknown>
}

/**
 * The React-free realtime client: one Socket.IO connection shared by every subscriber, opened
 * on first use and closed when the last user goes. Readable as a store (`subscribe` /
 * `getSnapshot`) for `useSyncExternalStore`.
 */
export interface RealtimeClient extends ReadableStore<RealtimeState> {
  /** Keeps the connection open until the returned function is called. */
  connect(): () => void
  /** Drops the connection and connects again now (e.g. after sign-in), skipping any backoff. */
  reconnect(): void
  /** Joins a room (reference-counted; remembered and re-joined after every reconnect). */
  joinRoom(roomName: string): Promise<RoomJoinAckData>
  /** Leaves a room once every `joinRoom` of it has been matched by a `leaveRoom`. */
  leaveRoom(roomName: string): Promise<void>
  /**
   * Sends a message; resolves with it once the server has acknowledged it. Offline it waits in
   * the outbox and is sent after reconnecting, exactly once. Rejects with `OUTBOX_FULL`,
   * `MESSAGE_EXPIRED` or the server's refusal.
   */
  send(roomName: string, content: string, options?: SendOptions): Promise<Message>
  /** Says this user is typing (throttled); call it on every input. */
  startTyping(roomName: string, threadId?: string): void
  /** Says this user stopped typing (sent at once, if a start was sent). */
  stopTyping(roomName: string, threadId?: string): void
  /** Sets this user's presence (`dnd` is sent as `busy`); kept and re-sent after reconnects. */
  setPresence(status: PresenceStatus, customStatus?: CustomStatus | null): void
  /** Reads several users' presence at once (`presence:get`). */
  getPresence(userIds: readonly string[]): Promise<Presence[]>
  /** Keeps `userIds`' presence fresh: read now and after every reconnect, until the returned function is called. */
  watchPresence(userIds: readonly string[]): () => void
  /** Listens to a server event (after de-duplication of messages); returns the unsubscribe function. */
  on<E extends keyof ServerEvents>(event: E, handler: (payload: ServerEvents[E]) => void): () => void
  /**
   * Sends a client event with an acknowledgement once connected, again after a lost ack or a
   * dropped connection; rejects with the ack's error code, `TIMEOUT` after `timeoutMs` (30 000)
   * or `ABORTED`.
   */
  request<E extends keyof AckData>(
    event: E,
    payload: ClientEvents[E],
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<AckData[E]>
  /** Measures the round trip of `ping` / `pong`, in ms. */
  ping(): Promise<number>
  /** Closes the connection and rejects everything pending with `ABORTED`; the client can be used again. */
  close(): void
}

export type { Ack, Device }
