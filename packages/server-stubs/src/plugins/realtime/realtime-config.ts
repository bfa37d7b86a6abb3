import { REALTIME_ENV, RoomNameSchema, UserIdSchema } from '@nself/contracts/realtime'
import { readEnv, readEnvInt } from '../../plugin-env'

/** A room declared up front (option `rooms`). */
export interface DeclaredRoom {
  /** The room's name, as clients send it in `roomName`. */
  name: string
  /** Only `members` may join (others get `ROOM_FORBIDDEN`). Default `false`. */
  private?: boolean
  /** Who may join a private room. */
  members?: readonly string[]
}

/** The realtime server's tunables, resolved from options and the environment. */
export interface RealtimeConfig {
  /** How long a typist is kept after their last `typing:start` (`REALTIME_TYPING_TIMEOUT`, 3000). */
  typingTimeoutMs: number
  /** Idle time before `online` turns `away` (`REALTIME_AWAY_TIMEOUT`, 300000; 0 disables). */
  awayTimeoutMs: number
  /** Client events per second per connection (`REALTIME_RATE_LIMIT`, 100; 0 disables). */
  rateLimit: number
  /** Sockets this instance holds at most (`REALTIME_MAX_CONNECTIONS`, 10000; 0 disables). */
  maxConnections: number
  /** Liveness beat of an instance in scale mode (`REALTIME_PRESENCE_HEARTBEAT`, 30000). */
  presenceHeartbeatMs: number
  /** How long `(userId, clientMessageId)` pairs are remembered for de-duplication. */
  dedupWindowMs: number
  /**
   * extension (our variable, not the real plugin's): messages of a room kept for replay on
   * `room:join { since }` (`REALTIME_REPLAY_LIMIT`, 1000; 0 disables replay).
   */
  replayLimit: number
  /**
   * extension (our variable, not the real plugin's): how long a message is kept for replay, in
   * ms (`REALTIME_REPLAY_MAX_AGE`, 600000; 0 disables replay).
   */
  replayMaxAgeMs: number
  /** Largest Socket.IO message in bytes; a larger one closes that connection. */
  maxPayloadBytes: number
  /** `room:join` of an unknown room creates it (default) or fails with `ROOM_NOT_FOUND`. */
  createRoomsOnJoin: boolean
  /** Redis for scale mode (`REALTIME_REDIS_URL`, else `REDIS_URL`); `undefined`: in memory. */
  redisUrl: string | undefined
  /** Prefix of every Redis key (and of the adapter's channels). */
  redisKeyPrefix: string
  /** Rooms to declare at start. */
  rooms: readonly DeclaredRoom[]
}

/** What {@link resolveRealtimeConfig} reads besides the environment. */
export interface RealtimeConfigOptions {
  /** Scale mode's Redis URL; `false` forces in-memory state even when `REDIS_URL` is set. */
  redisUrl?: string | false
  /** Prefix of every Redis key (default `nself:realtime:`); tests pass a unique one. */
  redisKeyPrefix?: string
  /** Rooms to declare at start: `[{ name, private: true, members: ['alice', 'bob'] }]`. */
  rooms?: readonly DeclaredRoom[]
  /** `room:join` of an unknown room creates it (default `true`); `false`: `ROOM_NOT_FOUND`, as the real plugin. */
  createRoomsOnJoin?: boolean
  /** Largest Socket.IO message in bytes (default 1 MB, as the real plugin). */
  maxPayloadBytes?: number
  /** De-duplication window of `clientMessageId` in ms (default `REALTIME_DEDUP_WINDOW`, else 1 hour). */
  dedupWindowMs?: number
}

/** Resolves the realtime server's configuration; throws on an invalid declared room. */
export function resolveRealtimeConfig(
  options: RealtimeConfigOptions,
  env: Record<string, string | undefined>,
): RealtimeConfig {
  const rooms = (options.rooms ?? []).map((room) => {
    if (!RoomNameSchema.safeParse(room.name).success) {
      throw new Error(`realtime: invalid room name in option rooms: ${JSON.stringify(room.name)}`)
    }
    for (const member of room.members ?? []) {
      if (!UserIdSchema.safeParse(member).success) {
        throw new Error(`realtime: invalid member ${JSON.stringify(member)} of room ${room.name}`)
      }
    }
    return { name: room.name, private: room.private ?? false, members: [...(room.members ?? [])] }
  })
  return {
    typingTimeoutMs: Math.max(readEnvInt(env, REALTIME_ENV.typingTimeout, 3_000), 1),
    awayTimeoutMs: readEnvInt(env, REALTIME_ENV.awayTimeout, 300_000),
    rateLimit: readEnvInt(env, REALTIME_ENV.rateLimit, 100),
    maxConnections: readEnvInt(env, REALTIME_ENV.maxConnections, 10_000),
    presenceHeartbeatMs: Math.max(readEnvInt(env, REALTIME_ENV.presenceHeartbeat, 30_000), 100),
    dedupWindowMs: options.dedupWindowMs ?? readEnvInt(env, 'REALTIME_DEDUP_WINDOW', 3_600_000),
    replayLimit: readEnvInt(env, 'REALTIME_REPLAY_LIMIT', 1_000),
    replayMaxAgeMs: readEnvInt(env, 'REALTIME_REPLAY_MAX_AGE', 600_000),
    maxPayloadBytes: options.maxPayloadBytes ?? 1_000_000,
    createRoomsOnJoin: options.createRoomsOnJoin ?? true,
    redisUrl:
      options.redisUrl === false
        ? undefined
        : (options.redisUrl ?? readEnv(env, REALTIME_ENV.redisUrl) ?? readEnv(env, 'REDIS_URL')),
    redisKeyPrefix: options.redisKeyPrefix ?? 'nself:realtime:',
    rooms,
  }
}
