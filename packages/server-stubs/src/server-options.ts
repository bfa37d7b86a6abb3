import type { Server as HttpServer } from 'node:http'
import type { PluginName } from '@nself/contracts'
import type { Logger } from './http/logger'
import type { Router } from './http/router'
import type { MetricsRegistry } from './metrics/registry'

/** Options every plugin server factory takes. */
export interface StubServerOptions {
  /**
   * TCP port. Default: the plugin's `<PLUGIN>_PORT` variable, else its seed port
   * (realtime 3101, notifications 3102, files 3104, jobs 3105, idme 3010). Pass `0` for a
   * free port (tests).
   */
  port?: number
  /** Interface to bind (default `127.0.0.1`; `0.0.0.0` to accept other machines). */
  host?: string
  /**
   * HS256 secret of the Bearer tokens. Default: the plugin's `<PLUGIN>_JWT_SECRET`
   * (`REALTIME_JWT_SECRET`, `NOTIFICATIONS_JWT_SECRET`, `JOBS_JWT_SECRET`,
   * `FILE_PROCESSING_JWT_SECRET`, `IDME_JWT_SECRET`), else `NSELF_JWT_SECRET`, else a public
   * development default (a warning is logged once: tokens are then forgeable; refused when
   * `NODE_ENV=production`).
   */
  jwtSecret?: string
  /**
   * Allowed CORS origins: `*`, or a comma-separated list. Default: `<PLUGIN>_CORS_ORIGIN`
   * (`REALTIME_CORS_ORIGIN` …), else `NSELF_CORS_ORIGIN`, else `*` — except under
   * `NODE_ENV=production`, where no CORS headers are sent unless configured.
   */
  corsOrigin?: string
  /** Where to log (one JSON line per request by default, to stdout); `false` for silence. */
  logger?: Logger | false
  /** Environment to read configuration from (default `process.env`). */
  env?: Record<string, string | undefined>
  /** Largest JSON request body in bytes (default 1 MiB); larger bodies get 413. */
  bodyLimit?: number
}

/** A running plugin server. */
export interface StubServer<P extends PluginName = PluginName> {
  /** Which plugin this server implements. */
  readonly plugin: P
  /** Base URL, e.g. `http://127.0.0.1:3101` (a wildcard host is shown as loopback). */
  readonly url: string
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number
  /** The interface bound. */
  readonly host: string
  /** The underlying Node HTTP server. */
  readonly httpServer: HttpServer
  /** The server's routes; tests and embedders may add their own (authenticated by default). */
  readonly router: Router
  /** The server's Prometheus registry, served at `GET /metrics`. */
  readonly metrics: MetricsRegistry
  /**
   * Stops the server: closes sockets, open HTTP connections and the listener. Resolves once
   * the port is free. Safe to call more than once.
   */
  close(): Promise<void>
}
