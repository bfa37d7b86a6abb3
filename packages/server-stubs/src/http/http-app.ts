import type { IncomingMessage, ServerResponse } from 'node:http'
import { APP_NAME_HEADER, type ErrorCode, normalizeAppName, type PluginName } from '@nself/contracts'
import { type AuthUser, requireUser } from '../auth/request-user'
import type { DefaultMetrics } from '../metrics/default-metrics'
import { applyCors, type CorsPolicy } from './cors'
import { HttpError } from './http-error'
import { DEFAULT_BODY_LIMIT, readJsonBody } from './json-body'
import type { Logger } from './logger'
import { empty, errorReply, json, type Reply, sendReply } from './reply'
import type { RequestContext, SafeParser } from './request-context'
import type { Router } from './router'

/** What {@link createRequestHandler} needs. */
export interface HttpAppOptions {
  /** The plugin, for log lines. */
  plugin: PluginName
  /** The routes served. */
  router: Router
  /** HS256 secret of the Bearer tokens. */
  jwtSecret: string
  /** Where request lines and errors go. */
  logger: Logger
  /** Request counters to update. */
  metrics: DefaultMetrics
  /** Which origins get CORS headers. */
  cors: CorsPolicy
  /** Default JSON body limit in bytes. */
  bodyLimit?: number
}

/**
 * The `request` listener of a stub server: CORS, routing (404/405), Bearer authentication,
 * the route handler, typed error bodies for every failure (500 for unexpected ones, never a
 * crash) and one JSON log line per request.
 */
export function createRequestHandler(
  options: HttpAppOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now()
    let route = 'unmatched'
    const { path, query } = splitUrl(req.url ?? '/')
    // 'close' also fires when the client goes away mid-response, so every request is logged.
    res.once('close', () => {
      const ms = Math.round((performance.now() - started) * 100) / 100
      const method = req.method ?? 'GET'
      const status = res.writableFinished ? res.statusCode : 499
      options.metrics.httpRequests.inc({ method, route, status: String(status) })
      options.metrics.httpRequestSeconds.inc({ method, route }, ms / 1000)
      const record = { msg: 'request', plugin: options.plugin, method, path, status, ms }
      if (status >= 500) options.logger.error(record)
      else options.logger.info(record)
    })
    handle(req, res, path, query, options, (pattern) => {
      route = pattern
    }).catch((error: unknown) => {
      if (!(error instanceof HttpError)) {
        options.logger.error({ msg: 'unhandled error', plugin: options.plugin, path, error })
      }
      const failure = error instanceof HttpError ? error : internalError()
      if (res.headersSent) {
        res.destroy()
        return
      }
      sendReply(res, errorReply(failure.status, failure.toBody(), failure.headers))
    })
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  options: HttpAppOptions,
  setRoute: (pattern: string) => void,
): Promise<void> {
  if (applyCors(req, res, options.cors)) {
    req.resume()
    sendReply(res, empty(204))
    return
  }
  const method = (req.method ?? 'GET').toUpperCase()
  const match = options.router.match(method, path)
  if (match.kind === 'not-found') {
    req.resume()
    throw new HttpError('NOT_FOUND', `No route for ${method} ${path}`)
  }
  if (match.kind === 'method-not-allowed') {
    req.resume()
    if (method === 'OPTIONS') {
      sendReply(res, empty(204, { allow: match.allow.join(', ') }))
      return
    }
    throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, {
      details: { allow: match.allow },
      headers: { allow: match.allow.join(', ') },
    })
  }
  const { route, params } = match
  setRoute(route.pattern)
  const user = route.options.auth === false ? null : await requireUser(req, options.jwtSecret)
  const limit = route.options.bodyLimit ?? options.bodyLimit ?? DEFAULT_BODY_LIMIT
  let body: Promise<unknown> | undefined
  const readBody = () => {
    body ??= readJsonBody(req, limit)
    return body
  }
  const ctx: RequestContext = {
    req,
    res,
    method,
    path,
    params,
    query,
    appName: normalizeAppName(headerValue(req.headers[APP_NAME_HEADER]) ?? query.get('app')),
    user,
    requireUser(): AuthUser {
      if (!user) throw new HttpError('UNAUTHENTICATED', 'Authentication required')
      return user
    },
    body: readBody,
    async parseBody<T>(schema: SafeParser<T>): Promise<T> {
      const result = schema.safeParse(await readBody())
      if (!result.success) {
        throw new HttpError('VALIDATION_FAILED', 'Request body failed validation', {
          details: result.error.issues,
        })
      }
      return result.data
    },
  }
  const reply: Reply | undefined = await route.handler(ctx)
  if (reply) {
    // An unread body would otherwise stall a keep-alive connection.
    if (!req.readableEnded && body === undefined) req.resume()
    sendReply(res, reply)
  }
}

function internalError(): HttpError {
  return new HttpError('INTERNAL_ERROR', 'Internal server error')
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** Splits a request target into path and query; absolute-form targets are reduced to their path. */
export function splitUrl(target: string): { path: string; query: URLSearchParams } {
  let rest = target
  if (!rest.startsWith('/')) {
    try {
      const url = new URL(rest)
      rest = url.pathname + url.search
    } catch {
      rest = '/'
    }
  }
  const q = rest.indexOf('?')
  const rawPath = q === -1 ? rest : rest.slice(0, q)
  const hash = rawPath.indexOf('#')
  return {
    path: hash === -1 ? rawPath : rawPath.slice(0, hash),
    query: new URLSearchParams(q === -1 ? '' : rest.slice(q + 1)),
  }
}

/** A typed error reply for `code` (used outside route handlers, e.g. on malformed HTTP). */
export function errorFor(code: ErrorCode, message: string): Reply {
  const error = new HttpError(code, message)
  return json(error.toBody(), error.status)
}
