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

export const RoomJoinSchema = z.object({ roomName: RoomNameSchema })
export type RoomJoin = z.infer<typeof RoomJoinSchema>
export const RoomJoinAckDataSchema = z.object({ roomName: z.string(), memberCount: z.number() })
export type RoomJoinAckData = z.infer<typeof RoomJoinAckDataSchema>

export const RoomLeaveSchema = z.object({ roomName: RoomNameSchema })
export type RoomLeave = z.infer<typeof RoomLeaveSchema>

export const MessageSendSchema = z.object({
  roomName: RoomNameSchema,
  content: z.string().check(z.maxLength(65_536)),
  threadId: z.optional(z.string()),
  metadata: z.optional(z.record(z.string(), z.unknown())),
})
export type MessageSend = z.infer<typeof MessageSendSchema>

export const TypingSchema = z.object({ roomName: RoomNameSchema, threadId: z.optional(z.string()) })
export type Typing = z.infer<typeof TypingSchema>

export const CustomStatusSchema = z.object({
  text: z.string().check(z.maxLength(200)),
  emoji: z.optional(z.string()),
  expiresAt: z.optional(IsoDateTime),
})
export type CustomStatus = z.infer<typeof CustomStatusSchema>

export const PresenceUpdateSchema = z.object({
  status: PresenceStatusSchema,
  customStatus: z.optional(CustomStatusSchema),
})
export type PresenceUpdate = z.infer<typeof PresenceUpdateSchema>

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

export const MessageNewSchema = z.object({
  roomName: z.string(),
  userId: z.string(),
  content: z.string(),
  threadId: z.optional(z.string()),
  timestamp: IsoDateTime,
  metadata: z.optional(z.record(z.string(), z.unknown())),
})
export type MessageNew = z.infer<typeof MessageNewSchema>

export const TypingEventSchema = z.object({
  roomName: z.string(),
  threadId: z.optional(z.string()),
  users: z.array(z.object({ userId: z.string(), startedAt: IsoDateTime })),
})
export type TypingEvent = z.infer<typeof TypingEventSchema>

export const PresenceChangedSchema = z.object({
  userId: z.string(),
  status: PresenceStatusSchema,
  /** The custom status text; `null` when unset (the real server sends `null`, not absent). */
  customStatus: z.optional(z.nullable(z.string())),
  customEmoji: z.optional(z.nullable(z.string())),
})
export type PresenceChanged = z.infer<typeof PresenceChangedSchema>

export const PongSchema = z.object({ timestamp: z.number() })
export type Pong = z.infer<typeof PongSchema>

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
  'message:send': (payload: MessageSend, ack: (res: Ack<undefined>) => void) => void
  'typing:start': (payload: Typing) => void
  'typing:stop': (payload: Typing) => void
  'presence:update': (payload: PresenceUpdate) => void
  ping: () => void
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
}

/** The realtime plugin's environment variables (the real plugin's names). */
export const REALTIME_ENV = {
  port: 'REALTIME_PORT',
  jwtSecret: 'REALTIME_JWT_SECRET',
  allowAnonymous: 'REALTIME_ALLOW_ANONYMOUS',
  redisUrl: 'REALTIME_REDIS_URL',
  corsOrigin: 'REALTIME_CORS_ORIGIN',
  typingTimeout: 'REALTIME_TYPING_TIMEOUT',
} as const
