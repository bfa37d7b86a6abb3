/**
 * The realtime plugin's wire protocol (Socket.IO v4, port 3101), as `reference/WIRE.md` gives
 * it. Names and shapes are the real plugin's; anything we add is marked `extension`.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from './common'

// ---------------------------------------------------------------------------------------
// HTTP

/** `GET /health` of the realtime plugin. */
export const RealtimeHealthSchema = z.object({
  status: z.literal('healthy'),
  timestamp: IsoDateTime,
  /** Open Socket.IO connections. */
  connections: z.number(),
  /** Seconds since the server started. */
  uptime: z.number(),
})
export type RealtimeHealth = z.infer<typeof RealtimeHealthSchema>

/** `GET /metrics` with `Accept: application/json`: the real plugin's JSON metrics. */
export const RealtimeMetricsSchema = z.object({
  uptime: z.number(),
  connections: z.object({
    total: z.number(),
    active: z.number(),
    authenticated: z.number(),
    anonymous: z.number(),
  }),
  rooms: z.object({ total: z.number(), active: z.number() }),
  presence: z.object({ online: z.number(), away: z.number(), busy: z.number(), offline: z.number() }),
  events: z.object({ total: z.number(), lastHour: z.number() }),
  memory: z.object({ used: z.number(), total: z.number(), percentage: z.number() }),
  cpu: z.object({ usage: z.number() }),
})
export type RealtimeMetrics = z.infer<typeof RealtimeMetricsSchema>

// ---------------------------------------------------------------------------------------
// Handshake

/** Exact `connect_error` messages of the real plugin. */
export const REALTIME_CONNECT_ERRORS = {
  authenticationRequired: 'Authentication required',
  invalidToken: 'Invalid token',
  /** extension: the reference server enforces `REALTIME_MAX_CONNECTIONS` (the real one does not). */
  connectionLimit: 'Connection limit reached',
} as const

export const DeviceSchema = z.object({
  type: z.enum(['desktop', 'mobile', 'web']),
  os: z.optional(z.string()),
  browser: z.optional(z.string()),
})
export type Device = z.infer<typeof DeviceSchema>

/** `io(url, { auth })`: what the client sends in the handshake. */
export const HandshakeAuthSchema = z.object({
  /** HS256 JWT with the claims `userId` and `sessionId`. */
  token: z.optional(z.string()),
  device: z.optional(DeviceSchema),
  sourceAccountId: z.optional(z.string()),
})
export type HandshakeAuth = z.infer<typeof HandshakeAuthSchema>

// ---------------------------------------------------------------------------------------
// Shared shapes

/** Presence statuses on the wire (the SDK calls `busy` "dnd" and accepts `'dnd'` as input). */
export const PRESENCE_STATUSES = ['online', 'away', 'busy', 'offline'] as const
export const PresenceStatusSchema = z.enum(PRESENCE_STATUSES)
export type PresenceStatus = z.infer<typeof PresenceStatusSchema>

/**
 * What a client may set. extension: `invisible` — the user stays connected but everyone else
 * sees `offline`; only the user's own sockets are told `invisible`.
 */
export const SETTABLE_PRESENCE_STATUSES = [...PRESENCE_STATUSES, 'invisible'] as const
export const SettablePresenceStatusSchema = z.enum(SETTABLE_PRESENCE_STATUSES)
export type SettablePresenceStatus = z.infer<typeof SettablePresenceStatusSchema>

/** A user id as the token's `userId` claim carries it. */
export const UserIdSchema = z.string().check(z.minLength(1), z.maxLength(200))

export const RoomNameSchema = z.string().check(z.minLength(1), z.maxLength(200))

/** Ack error as the real plugin sends it. */
export const AckErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.optional(z.unknown()),
})
export type AckError = z.infer<typeof AckErrorSchema>

/** The ack envelope of every event with a callback: `{ success, data?, error? }`. */
export function ackSchema<T extends z.ZodMiniType>(data: T) {
  return z.object({
    success: z.boolean(),
    data: z.optional(data),
    error: z.optional(AckErrorSchema),
  })
}
/** The ack envelope with payload `T`. */
export type Ack<T> =
  | { success: true; data?: T; error?: undefined }
  | { success: false; data?: undefined; error: AckError }

// ---------------------------------------------------------------------------------------
// Client → server payloads

export const RoomJoinSchema = z.object({
  roomName: RoomNameSchema,
  /**
   * extension: replay. The server answers with the messages of this room it still holds whose
   * `timestamp` ≥ `since` (inclusive: the client de-duplicates), oldest first, in the ack's
   * `messages`. An ISO-8601 date-time (a `timestamp` or `serverTime` the server sent).
   */
  since: z.optional(z.iso.datetime({ offset: true })),
})
export type RoomJoin = z.infer<typeof RoomJoinSchema>

/** A member of a room with their presence (extension, in the `room:join` ack). */
export const RoomMemberSchema = z.object({
  userId: z.string(),
  status: PresenceStatusSchema,
  customStatus: z.optional(z.nullable(z.string())),
  customEmoji: z.optional(z.nullable(z.string())),
})
export type RoomMember = z.infer<typeof RoomMemberSchema>

/** One current typist (the real server's `typing:event` entry). */
export const TypistSchema = z.object({ userId: z.string(), startedAt: IsoDateTime })
export type Typist = z.infer<typeof TypistSchema>

/** `message:new` (server → client); also the entries of the `room:join` ack's `messages` (extension). */
export const MessageNewSchema = z.object({
  roomName: z.string(),
  userId: z.string(),
  content: z.string(),
  threadId: z.optional(z.string()),
  timestamp: IsoDateTime,
  metadata: z.optional(z.record(z.string(), z.unknown())),
  /** extension: server-assigned id (the real server sends none). */
  id: z.optional(z.string()),
  /** extension: the sender's `clientMessageId`, echoed. */
  clientMessageId: z.optional(z.string()),
})
export type MessageNew = z.infer<typeof MessageNewSchema>

export const RoomJoinAckDataSchema = z.object({
  roomName: z.string(),
  memberCount: z.number(),
  /** extension: the members with their presence, so a member list renders without a second call. */
  members: z.optional(z.array(RoomMemberSchema)),
  /** extension: who is typing right now, by thread (`''` for the room itself). */
  typing: z.optional(z.array(z.object({ threadId: z.optional(z.string()), users: z.array(TypistSchema) }))),
  /**
   * extension: replay. Present (possibly empty) only when the join had `since`: the messages of
   * the room the server still holds with `timestamp` ≥ `since`, oldest first, at most the
   * server's replay limit (the newest ones when more match).
   */
  messages: z.optional(z.array(MessageNewSchema)),
  /**
   * extension: the server's clock when the join was taken — the client's first replay cursor for
   * a room in which it has seen no message yet. Always sent by the reference server.
   */
  serverTime: z.optional(IsoDateTime),
})
export type RoomJoinAckData = z.infer<typeof RoomJoinAckDataSchema>

export const RoomLeaveSchema = z.object({ roomName: RoomNameSchema })
export type RoomLeave = z.infer<typeof RoomLeaveSchema>

export const MessageSendSchema = z.object({
  roomName: RoomNameSchema,
  content: z.string().check(z.maxLength(65_536)),
  threadId: z.optional(z.string()),
  metadata: z.optional(z.record(z.string(), z.unknown())),
  /**
   * extension: the client's id for this message. The server de-duplicates on
   * `(userId, clientMessageId)` and echoes it on `message:new`, so a resend after a reconnect
   * is delivered exactly once.
   */
  clientMessageId: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
})
export type MessageSend = z.infer<typeof MessageSendSchema>

/** extension: the `message:send` ack data (the real server acks `{ success: true }` only). */
export const MessageSendAckDataSchema = z.object({ id: z.string(), timestamp: IsoDateTime })
export type MessageSendAckData = z.infer<typeof MessageSendAckDataSchema>

export const TypingSchema = z.object({ roomName: RoomNameSchema, threadId: z.optional(z.string()) })
export type Typing = z.infer<typeof TypingSchema>

export const CustomStatusSchema = z.object({
  text: z.string().check(z.maxLength(200)),
  emoji: z.optional(z.string()),
  expiresAt: z.optional(IsoDateTime),
})
export type CustomStatus = z.infer<typeof CustomStatusSchema>

export const PresenceUpdateSchema = z.object({
  /** `invisible` is an extension. */
  status: SettablePresenceStatusSchema,
  /** The server clears it at `expiresAt` (extension: the real server stores it unenforced). */
  customStatus: z.optional(CustomStatusSchema),
})
export type PresenceUpdate = z.infer<typeof PresenceUpdateSchema>

/** extension: `presence:get` — a bulk read of several users' presence, for member lists. */
export const PresenceGetSchema = z.object({ userIds: z.array(UserIdSchema).check(z.maxLength(1000)) })
export type PresenceGet = z.infer<typeof PresenceGetSchema>

// Call signaling (extension): relayed between two members of a room, to the target user's
// sockets, with the sender added as `fromUserId`. SDP and ICE payloads are opaque to the server.

export const CallOfferSchema = z.object({
  roomName: RoomNameSchema,
  callId: z.string().check(z.minLength(1), z.maxLength(100)),
  toUserId: UserIdSchema,
  sdp: z.string().check(z.maxLength(100_000)),
  /** `audio` or `video`, for the ringing UI. */
  media: z.optional(z.enum(['audio', 'video'])),
})
export type CallOffer = z.infer<typeof CallOfferSchema>

export const CallAnswerSchema = z.object({
  roomName: RoomNameSchema,
  callId: z.string().check(z.minLength(1), z.maxLength(100)),
  toUserId: UserIdSchema,
  sdp: z.string().check(z.maxLength(100_000)),
})
export type CallAnswer = z.infer<typeof CallAnswerSchema>

export const CallIceCandidateSchema = z.object({
  roomName: RoomNameSchema,
  callId: z.string().check(z.minLength(1), z.maxLength(100)),
  toUserId: UserIdSchema,
  candidate: z.object({
    candidate: z.string().check(z.maxLength(10_000)),
    sdpMid: z.optional(z.nullable(z.string())),
    sdpMLineIndex: z.optional(z.nullable(z.number())),
    usernameFragment: z.optional(z.nullable(z.string())),
  }),
})
export type CallIceCandidate = z.infer<typeof CallIceCandidateSchema>

export const CallHangupSchema = z.object({
  roomName: RoomNameSchema,
  callId: z.string().check(z.minLength(1), z.maxLength(100)),
  toUserId: UserIdSchema,
  reason: z.optional(z.enum(['hangup', 'declined', 'busy', 'failed', 'timeout'])),
})
export type CallHangup = z.infer<typeof CallHangupSchema>

// ---------------------------------------------------------------------------------------
// Server → client payloads

export const ConnectedSchema = z.object({
  socketId: z.string(),
  serverTime: IsoDateTime,
  protocolVersion: z.literal('1.0'),
})
export type Connected = z.infer<typeof ConnectedSchema>

export const UserRoomEventSchema = z.object({ roomName: z.string(), userId: z.string() })
export type UserRoomEvent = z.infer<typeof UserRoomEventSchema>

// `message:new`: MessageNewSchema, above (the `room:join` ack replays it).

/**
 * The full current list of typists of a room (or thread). extension: also broadcast when a
 * typist expires (the real server lets them lapse silently).
 */
export const TypingEventSchema = z.object({
  roomName: z.string(),
  threadId: z.optional(z.string()),
  users: z.array(TypistSchema),
})
export type TypingEvent = z.infer<typeof TypingEventSchema>

export const PresenceChangedSchema = z.object({
  userId: z.string(),
  /** `invisible` (extension) only ever reaches the user's own sockets; others see `offline`. */
  status: SettablePresenceStatusSchema,
  /** The custom status text; `null` when unset (the real server sends `null`, not absent). */
  customStatus: z.optional(z.nullable(z.string())),
  customEmoji: z.optional(z.nullable(z.string())),
})
export type PresenceChanged = z.infer<typeof PresenceChangedSchema>

export const PongSchema = z.object({ timestamp: z.number() })
export type Pong = z.infer<typeof PongSchema>

/** extension: the `presence:get` ack data. */
export const PresenceGetAckDataSchema = z.object({ presences: z.array(PresenceChangedSchema) })
export type PresenceGetAckData = z.infer<typeof PresenceGetAckDataSchema>

/** extension: a relayed call signal as the target receives it. */
export type CallSignal<T> = Omit<T, 'toUserId'> & { fromUserId: string }

// ---------------------------------------------------------------------------------------
// Event maps

/** Runtime schemas of every client → server event payload, by event name. */
export const clientEventSchemas = {
  'room:join': RoomJoinSchema,
  'room:leave': RoomLeaveSchema,
  'message:send': MessageSendSchema,
  'typing:start': TypingSchema,
  'typing:stop': TypingSchema,
  'presence:update': PresenceUpdateSchema,
  'presence:get': PresenceGetSchema,
  'call:offer': CallOfferSchema,
  'call:answer': CallAnswerSchema,
  'call:ice-candidate': CallIceCandidateSchema,
  'call:hangup': CallHangupSchema,
} as const

/** Runtime schemas of every server → client event payload, by event name. */
export const serverEventSchemas = {
  connected: ConnectedSchema,
  'user:joined': UserRoomEventSchema,
  'user:left': UserRoomEventSchema,
  'message:new': MessageNewSchema,
  'typing:event': TypingEventSchema,
  'presence:changed': PresenceChangedSchema,
  pong: PongSchema,
} as const

/** Client → server events, typed for `socket.io-client`'s `Socket<ServerToClient, ClientToServer>`. */
export interface ClientToServerEvents {
  'room:join': (payload: RoomJoin, ack: (res: Ack<RoomJoinAckData>) => void) => void
  'room:leave': (payload: RoomLeave, ack: (res: Ack<undefined>) => void) => void
  'message:send': (payload: MessageSend, ack: (res: Ack<MessageSendAckData>) => void) => void
  'typing:start': (payload: Typing) => void
  'typing:stop': (payload: Typing) => void
  'presence:update': (payload: PresenceUpdate) => void
  ping: () => void
  /** extension */
  'presence:get': (payload: PresenceGet, ack: (res: Ack<PresenceGetAckData>) => void) => void
  /** extension */
  'call:offer': (payload: CallOffer, ack: (res: Ack<undefined>) => void) => void
  /** extension */
  'call:answer': (payload: CallAnswer, ack: (res: Ack<undefined>) => void) => void
  /** extension */
  'call:ice-candidate': (payload: CallIceCandidate, ack: (res: Ack<undefined>) => void) => void
  /** extension */
  'call:hangup': (payload: CallHangup, ack: (res: Ack<undefined>) => void) => void
}

/** Server → client events. */
export interface ServerToClientEvents {
  connected: (payload: Connected) => void
  'user:joined': (payload: UserRoomEvent) => void
  'user:left': (payload: UserRoomEvent) => void
  'message:new': (payload: MessageNew) => void
  'typing:event': (payload: TypingEvent) => void
  'presence:changed': (payload: PresenceChanged) => void
  pong: (payload: Pong) => void
  /** extension */
  'call:offer': (payload: CallSignal<CallOffer>) => void
  /** extension */
  'call:answer': (payload: CallSignal<CallAnswer>) => void
  /** extension */
  'call:ice-candidate': (payload: CallSignal<CallIceCandidate>) => void
  /** extension */
  'call:hangup': (payload: CallSignal<CallHangup>) => void
}

/** The realtime plugin's environment variables (the real plugin's names). */
export const REALTIME_ENV = {
  port: 'REALTIME_PORT',
  jwtSecret: 'REALTIME_JWT_SECRET',
  allowAnonymous: 'REALTIME_ALLOW_ANONYMOUS',
  redisUrl: 'REALTIME_REDIS_URL',
  corsOrigin: 'REALTIME_CORS_ORIGIN',
  typingTimeout: 'REALTIME_TYPING_TIMEOUT',
  pingInterval: 'REALTIME_PING_INTERVAL',
  pingTimeout: 'REALTIME_PING_TIMEOUT',
  presenceHeartbeat: 'REALTIME_PRESENCE_HEARTBEAT',
  maxConnections: 'REALTIME_MAX_CONNECTIONS',
  rateLimit: 'REALTIME_RATE_LIMIT',
  /** extension: ms without any client event before an `online` user turns `away` (0 disables). */
  awayTimeout: 'REALTIME_AWAY_TIMEOUT',
} as const

// ---------------------------------------------------------------------------------------
// extension: room administration over HTTP (the real plugin has no REST for rooms)

/**
 * extension: `PUT /v1/rooms/:name` (service token only) — declares a room, private with its
 * members or public. Joining a private room without being a member is refused with
 * `ROOM_FORBIDDEN`; members removed from a private room leave it at once.
 */
export const RoomUpsertSchema = z.object({
  private: z.optional(z.boolean()),
  members: z.optional(z.array(UserIdSchema).check(z.maxLength(10_000))),
})
export type RoomUpsert = z.infer<typeof RoomUpsertSchema>

/** extension: a room as `PUT`/`GET /v1/rooms/:name` answer it. */
export const RoomInfoSchema = z.object({
  name: z.string(),
  private: z.boolean(),
  /** Who may join a private room (empty for a public one). */
  members: z.array(z.string()),
  /** Who has joined and not left (memberships survive disconnects). */
  joined: z.array(z.string()),
})
export type RoomInfo = z.infer<typeof RoomInfoSchema>

/**
 * extension: the `data` of a handshake `connect_error` from the reference server, so a client
 * can tell an expired token (refresh and retry) from a bad one. The `message` stays the real
 * plugin's ({@link REALTIME_CONNECT_ERRORS}); the real plugin sends no `data`.
 */
export const ConnectErrorDataSchema = z.object({
  /**
   * `CONNECTION_LIMIT` (extension): the server holds `REALTIME_MAX_CONNECTIONS` sockets; the
   * message is then `Connection limit reached`. Retry later.
   */
  code: z.enum(['UNAUTHENTICATED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'CONNECTION_LIMIT']),
})
export type ConnectErrorData = z.infer<typeof ConnectErrorDataSchema>
