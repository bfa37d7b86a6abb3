import { createServer, type Server as HttpServer, STATUS_CODES } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { DEFAULT_PORTS, type PluginName } from '@nself/contracts'
import { resolveJwtSecret, warnDevSecretOnce } from '../auth/jwt-secret'
import { type CorsPolicy, parseCorsOrigin } from '../http/cors'
import { createRequestHandler } from '../http/http-app'
import { type Logger, resolveLogger } from '../http/logger'
import { json, text } from '../http/reply'
import { Router } from '../http/router'
import { registerDefaultMetrics } from '../metrics/default-metrics'
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '../metrics/registry'
import { pluginEnvName, readEnv } from '../plugin-env'
import type { StubServer, StubServerOptions } from '../server-options'

/** What a plugin's setup gets to build on. */
export interface PluginContext {
  /** The plugin being built. */
  readonly plugin: PluginName
  /** The environment configuration is read from. */
  readonly env: Record<string, string | undefined>
  /** The resolved logger (silent when the option was `false`). */
  readonly logger: Logger
  /** HS256 secret of the tokens this server accepts. */
  readonly jwtSecret: string
  /** Register the plugin's routes here (authenticated unless `{ auth: false }`). */
  readonly router: Router
  /** The Prometheus registry of `GET /metrics`. */
  readonly metrics: MetricsRegistry
  /** The HTTP server, not yet listening (attach Socket.IO here). */
  readonly httpServer: HttpServer
  /** The resolved CORS policy. */
  readonly cors: CorsPolicy
  /** `Date.now()` when the server was created. */
  readonly startedAt: number
}

/** What a plugin's setup returns. */
export interface PluginSetup<Extra extends object> {
  /** The `GET /health` body, in the real plugin's shape. */
  health(): unknown
  /** The `GET /metrics` body for `Accept: application/json`, when the plugin has one. */
  metricsJson?(): unknown | Promise<unknown>
  /** Releases the plugin's own resources (sockets, timers); runs first on `close()`. */
  teardown?(): Promise<void>
  /** Properties added to the returned server handle. */
  extra: Extra
}

/**
 * The frame shared by all five plugin servers: configuration from options and env, the HTTP
 * app with `/health` and `/metrics`, listening, and a prompt `close()`.
 */
export async function createPluginServer<P extends PluginName, Extra extends object>(
  plugin: P,
  options: StubServerOptions,
  setup: (ctx: PluginContext) => PluginSetup<Extra>,
): Promise<StubServer<P> & Extra> {
  const env = options.env ?? process.env
  const logger = resolveLogger(options.logger)
  const resolved = resolveJwtSecret(plugin, options.jwtSecret, env)
  if (resolved.source === 'development-default') {
    if (env.NODE_ENV === 'production') {
      throw new Error(
        `${plugin}: no JWT secret configured and NODE_ENV=production; set ${pluginEnvName(plugin, 'JWT_SECRET')} or NSELF_JWT_SECRET`,
      )
    }
    warnDevSecretOnce(logger, plugin)
  }
  const cors = parseCorsOrigin(
    options.corsOrigin ??
      readEnv(env, pluginEnvName(plugin, 'CORS_ORIGIN')) ??
      readEnv(env, 'NSELF_CORS_ORIGIN') ??
      (env.NODE_ENV === 'production' ? '' : '*'),
  )
  const port = options.port ?? envPort(env, plugin) ?? DEFAULT_PORTS[plugin]
  const host = options.host ?? '127.0.0.1'

  const router = new Router()
  const metrics = new MetricsRegistry()
  const defaultMetrics = registerDefaultMetrics(metrics, plugin)
  const httpServer = createServer({ keepAliveTimeout: 5_000 })
  const sockets = new Set<Socket>()
  httpServer.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  httpServer.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    const body = JSON.stringify({ error: 'Malformed HTTP request', code: 'BAD_REQUEST' })
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    )
  })

  // Registered before setup: Socket.IO wraps the existing listeners and keeps its own path.
  httpServer.on(
    'request',
    createRequestHandler({
      plugin,
      router,
      jwtSecret: resolved.secret,
      logger,
      metrics: defaultMetrics,
      cors,
      ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    }),
  )

  const ctx: PluginContext = {
    plugin,
    env,
    logger,
    jwtSecret: resolved.secret,
    router,
    metrics,
    httpServer,
    cors,
    startedAt: Date.now(),
  }
  const plug = setup(ctx)
  router.get('/health', () => json(plug.health()), { auth: false })
  router.get('/metrics', async (request) => {
    const accept = request.req.headers.accept ?? ''
    if (plug.metricsJson && /\bapplication\/json\b/i.test(accept)) return json(await plug.metricsJson())
    return text(metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE })
  })

  try {
    await listen(httpServer, port, host)
  } catch (error) {
    await plug.teardown?.().catch(() => {})
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(`${plugin}: cannot listen on ${host}:${port}${code ? ` (${code})` : ''}`, {
      cause: error,
    })
  }
  httpServer.on('error', (error) => logger.error({ msg: 'server error', plugin, error }))
  const boundPort = (httpServer.address() as AddressInfo).port
  const url = `http://${urlHost(host)}:${boundPort}`
  logger.info({ msg: 'listening', plugin, url, jwtSecret: resolved.source })

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
      try {
        await plug.teardown?.()
      } catch (error) {
        logger.error({ msg: 'teardown failed', plugin, error })
      }
      // Keep-alive, streaming and upgraded connections would otherwise hold the port open.
      httpServer.closeAllConnections()
      for (const socket of sockets) socket.destroy()
      await closed
    })()
    return closing
  }

  const base: StubServer<P> = { plugin, url, port: boundPort, host, httpServer, router, metrics, close }
  return Object.assign(base, plug.extra)
}

function envPort(env: Record<string, string | undefined>, plugin: PluginName): number | undefined {
  const raw = readEnv(env, pluginEnvName(plugin, 'PORT'))
  if (raw === undefined) return undefined
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${pluginEnvName(plugin, 'PORT')} is not a port: ${raw}`)
  }
  return port
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** A connectable host for URLs: wildcard binds are shown as loopback, IPv6 in brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::' || host === '[::]') return '[::1]'
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}
