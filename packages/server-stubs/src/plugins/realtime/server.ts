import { randomUUID } from 'node:crypto'
import {
  type ConnectErrorData,
  REALTIME_CONNECT_ERRORS,
  type RealtimeHealth,
} from '@nself/contracts/realtime'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server as SocketIOServer } from 'socket.io'
import { socketIoCorsOrigin } from '../../http/cors'
import type { Logger } from '../../http/logger'
import { resolveLogger } from '../../http/logger'
import { readEnvFlag, readEnvInt } from '../../plugin-env'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'
import { createRealtimeFeatures, handleConnection, type RealtimeContext } from './handlers'
import { type RealtimeConfig, type RealtimeConfigOptions, resolveRealtimeConfig } from './realtime-config'
import { createCpuSampler, localActiveRooms, realtimeMetrics } from './realtime-metrics'
import { RealtimeState } from './realtime-state'
import type { RealtimeIo, RealtimeSocket } from './realtime-types'
import { registerRoomRoutes } from './rooms'
import { createSocketAuth } from './socket-auth'
import { MemoryRealtimeStore } from './store/memory-store'
import type { RealtimeStore } from './store/realtime-store'
import { RedisRealtimeStore } from './store/redis-store'

/** Options of {@link createRealtimeServer}. */
export interface RealtimeServerOptions extends StubServerOptions, RealtimeConfigOptions {
  /**
   * Accept sockets without a token, as anonymous users. Default: `REALTIME_ALLOW_ANONYMOUS`
   * (`true` to allow), else `false` — a socket without a token gets `Authentication required`.
   */
  allowAnonymous?: boolean
}

/** A running realtime server. */
export interface RealtimeServer extends StubServer<'realtime'> {
  /** The Socket.IO v4 server, attached to the same HTTP server (path `/socket.io`). */
  readonly io: RealtimeIo
  /** Who is connected to this instance. */
  readonly state: RealtimeState
  /** Rooms, presence, typing and message ids (`kind`: `memory`, or `redis` in scale mode). */
  readonly store: RealtimeStore
  /** The resolved configuration (timeouts, limits, Redis). */
  readonly config: RealtimeConfig
}

/** Connections to Redis of one instance in scale mode. */
interface RedisLinks {
  pub: Redis
  sub: Redis
  store: Redis
}

/**
 * Starts the realtime plugin: Socket.IO v4 with the real plugin's handshake (`auth.token`,
 * HS256 JWT) and events — rooms, messages, typing, presence, call signaling — plus
 * `GET /health`, `GET /metrics` (Prometheus text, or the real plugin's JSON with
 * `Accept: application/json`) and the room routes (extension). With `REDIS_URL` (or
 * `REALTIME_REDIS_URL`) several instances share everything through Redis.
 */
export async function createRealtimeServer(options: RealtimeServerOptions = {}): Promise<RealtimeServer> {
  const env = options.env ?? process.env
  const config = resolveRealtimeConfig(options, env)
  const logger = resolveLogger(options.logger)
  const instanceId = randomUUID()
  const links = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined
  const store: RealtimeStore = links
    ? new RedisRealtimeStore({ redis: links.store, prefix: config.redisKeyPrefix, instanceId })
    : new MemoryRealtimeStore()
  let storeClosed: Promise<void> | undefined
  const closeStore = () => {
    storeClosed ??= (async () => {
      await store
        .close()
        .catch((error) => logger.error({ msg: 'store close failed', plugin: 'realtime', error }))
      if (links) await Promise.all([quit(links.pub), quit(links.sub)])
    })()
    return storeClosed
  }
  try {
    for (const room of config.rooms) {
      await store.putRoom({ name: room.name, private: room.private ?? false, allowed: room.members ?? [] })
    }
    return await createPluginServer('realtime', options, (ctx) => {
      const state = new RealtimeState()
      const io: RealtimeIo = new SocketIOServer(ctx.httpServer, {
        serveClient: false,
        cors: { origin: socketIoCorsOrigin(ctx.cors) },
        pingInterval: readEnvInt(ctx.env, 'REALTIME_PING_INTERVAL', 25_000),
        pingTimeout: readEnvInt(ctx.env, 'REALTIME_PING_TIMEOUT', 60_000),
        maxHttpBufferSize: config.maxPayloadBytes,
        // A client that comes back within 2 minutes gets its id, rooms and missed events back
        // (in memory; the Redis adapter does not keep sessions). Auth runs again on recovery.
        connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: false },
        ...(links
          ? {
              adapter: createAdapter(links.pub, links.sub, {
                key: `${config.redisKeyPrefix}socket.io`,
                requestsTimeout: 3_000,
              }),
            }
          : {}),
      })
      const limit = connectionLimit(state, config.maxConnections)
      io.use(limit)
      const auth = createSocketAuth({
        jwtSecret: ctx.jwtSecret,
        allowAnonymous: options.allowAnonymous ?? readEnvFlag(ctx.env, 'REALTIME_ALLOW_ANONYMOUS'),
      })
      io.use((socket, next) => {
        void auth(socket, (error) => {
          if (error) limit.release(socket.id)
          next(error)
        })
      })

      const pending = new Set<Promise<void>>()
      const realtime: RealtimeContext = {
        io,
        state,
        store,
        config,
        logger: ctx.logger,
        env: ctx.env,
        counters: {
          dropped: ctx.metrics.counter(
            'nself_realtime_events_dropped_total',
            'Client events dropped before handling, by reason (rate_limited, unknown_event).',
          ),
          rejected: ctx.metrics.counter(
            'nself_realtime_events_rejected_total',
            'Client events answered with an error, by event and code.',
          ),
          messages: ctx.metrics.counter('nself_realtime_messages_total', 'Messages broadcast.'),
          duplicates: ctx.metrics.counter(
            'nself_realtime_messages_deduplicated_total',
            'Resent messages (same clientMessageId) acknowledged again but not broadcast.',
          ),
        },
        track(what, work) {
          const running = work().catch((error: unknown) => {
            ctx.logger.error({ msg: `${what} failed`, plugin: 'realtime', error })
          })
          pending.add(running)
          void running.finally(() => pending.delete(running))
        },
      }
      const features = createRealtimeFeatures()
      const stops = features.map((feature) => feature.start?.(realtime))
      io.on('connection', (socket) => {
        limit.release(socket.id)
        try {
          handleConnection(socket, realtime, features)
        } catch (error) {
          ctx.logger.error({ msg: 'connection handler failed', plugin: 'realtime', error })
          socket.disconnect(true)
        }
      })
      registerRoomRoutes(ctx.router, realtime)

      ctx.metrics.gauge(
        'nself_realtime_connections',
        'Connected Socket.IO clients.',
        () => state.sockets.size,
      )
      ctx.metrics.counter(
        'nself_realtime_connections_accepted_total',
        'Socket.IO connections accepted since start.',
        () => state.connectionsTotal,
      )
      ctx.metrics.gauge(
        'nself_realtime_users_online',
        'Distinct users with at least one socket connected to this instance.',
        () => state.userSockets.size,
      )
      ctx.metrics.gauge(
        'nself_realtime_rooms_active',
        'Rooms with at least one socket on this instance.',
        () => localActiveRooms(io),
      )
      ctx.metrics.counter(
        'nself_realtime_events_received_total',
        'Client events received since start.',
        () => state.events.total,
      )
      const cpu = createCpuSampler()

      return {
        health: (): RealtimeHealth => ({
          status: 'healthy',
          timestamp: new Date().toISOString(),
          connections: state.sockets.size,
          uptime: Math.floor((Date.now() - ctx.startedAt) / 1000),
        }),
        metricsJson: () => realtimeMetrics(io, state, store, ctx.startedAt, cpu),
        teardown: async () => {
          for (const stop of stops) stop?.()
          // Disconnects every socket: their cleanup (presence offline, typing) runs and is awaited.
          await io.close()
          while (pending.size > 0) await Promise.allSettled([...pending])
          await closeStore()
        },
        extra: { io, state, store, config },
      }
    })
  } catch (error) {
    await closeStore()
    throw error
  }
}

/**
 * `REALTIME_MAX_CONNECTIONS` (0: unlimited): refuses sockets past the limit with
 * `Connection limit reached` (`data.code` `CONNECTION_LIMIT`). Handshakes in flight hold a
 * place until they connect, fail or close, so a burst cannot overshoot.
 */
function connectionLimit(state: RealtimeState, max: number) {
  const admitted = new Map<string, NodeJS.Timeout>()
  const release = (socketId: string) => {
    clearTimeout(admitted.get(socketId))
    admitted.delete(socketId)
  }
  const middleware = (socket: RealtimeSocket, next: (error?: Error) => void): void => {
    if (max > 0 && state.sockets.size + admitted.size >= max) {
      const data: ConnectErrorData = { code: 'CONNECTION_LIMIT' }
      next(Object.assign(new Error(REALTIME_CONNECT_ERRORS.connectionLimit), { data }))
      return
    }
    const timer = setTimeout(() => admitted.delete(socket.id), 10_000)
    timer.unref()
    admitted.set(socket.id, timer)
    socket.conn.once('close', () => release(socket.id))
    next()
  }
  return Object.assign(middleware, { release })
}

/** Connects the three Redis clients of scale mode, or rejects within 5 s naming the URL. */
async function connectRedis(url: string, logger: Logger): Promise<RedisLinks> {
  const open = (name: string) => {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 5_000,
      maxRetriesPerRequest: 3,
      connectionName: `nself-realtime-${name}`,
    })
    let lastLogged = 0
    client.on('error', (error) => {
      // Reconnects are automatic; log at most once every 10 s per client.
      if (Date.now() - lastLogged < 10_000) return
      lastLogged = Date.now()
      logger.error({ msg: 'redis error', plugin: 'realtime', client: name, error })
    })
    return client
  }
  const links = { pub: open('pub'), sub: open('sub'), store: open('store') }
  try {
    await Promise.all(Object.values(links).map((client) => client.connect()))
  } catch (error) {
    for (const client of Object.values(links)) client.disconnect()
    throw new Error(`realtime: cannot connect to Redis at ${redactUrl(url)}`, { cause: error })
  }
  return links
}

async function quit(client: Redis): Promise<void> {
  try {
    await client.quit()
  } catch {
    client.disconnect()
  }
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '<invalid URL>'
  }
}
