import type { RealtimeHealth } from '@nself/contracts/realtime'
import { Server as SocketIOServer } from 'socket.io'
import { socketIoCorsOrigin } from '../../http/cors'
import { readEnvFlag, readEnvInt } from '../../plugin-env'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'
import { handleConnection, type RealtimeContext } from './handlers'
import { createCpuSampler, realtimeMetrics } from './realtime-metrics'
import { RealtimeState } from './realtime-state'
import type { RealtimeIo } from './realtime-types'
import { createSocketAuth } from './socket-auth'

/** Options of {@link createRealtimeServer}. */
export interface RealtimeServerOptions extends StubServerOptions {
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
  /** Who is connected. */
  readonly state: RealtimeState
}

/**
 * Starts the realtime plugin: Socket.IO v4 with the real plugin's handshake (`auth.token`,
 * HS256 JWT) and events, `GET /health` and `GET /metrics` (Prometheus text, or the real
 * plugin's JSON with `Accept: application/json`).
 */
export function createRealtimeServer(options: RealtimeServerOptions = {}): Promise<RealtimeServer> {
  return createPluginServer('realtime', options, (ctx) => {
    const state = new RealtimeState()
    const io: RealtimeIo = new SocketIOServer(ctx.httpServer, {
      serveClient: false,
      cors: { origin: socketIoCorsOrigin(ctx.cors) },
      pingInterval: readEnvInt(ctx.env, 'REALTIME_PING_INTERVAL', 25_000),
      pingTimeout: readEnvInt(ctx.env, 'REALTIME_PING_TIMEOUT', 60_000),
    })
    io.use(
      createSocketAuth({
        jwtSecret: ctx.jwtSecret,
        allowAnonymous: options.allowAnonymous ?? readEnvFlag(ctx.env, 'REALTIME_ALLOW_ANONYMOUS'),
      }),
    )
    const realtime: RealtimeContext = { io, state, logger: ctx.logger, env: ctx.env }
    io.on('connection', (socket) => {
      try {
        handleConnection(socket, realtime)
      } catch (error) {
        ctx.logger.error({ msg: 'connection handler failed', plugin: 'realtime', error })
        socket.disconnect(true)
      }
    })

    ctx.metrics.gauge('nself_realtime_connections', 'Connected Socket.IO clients.', () => state.sockets.size)
    ctx.metrics.counter(
      'nself_realtime_connections_accepted_total',
      'Socket.IO connections accepted since start.',
      () => state.connectionsTotal,
    )
    ctx.metrics.gauge(
      'nself_realtime_users_online',
      'Distinct users with at least one connected socket.',
      () => state.userSockets.size,
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
      metricsJson: () => realtimeMetrics(io, state, ctx.startedAt, cpu),
      teardown: async () => {
        await io.close()
      },
      extra: { io, state },
    }
  })
}
