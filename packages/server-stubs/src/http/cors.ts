import type { IncomingMessage, ServerResponse } from 'node:http'

/** The resolved CORS policy: any origin, a list of origins, or no CORS headers at all. */
export type CorsPolicy = { kind: 'any' } | { kind: 'list'; origins: readonly string[] } | { kind: 'none' }

const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
const DEFAULT_ALLOW_HEADERS = 'Authorization, Content-Type, X-App-Name, Idempotency-Key, Last-Event-ID'
const EXPOSE_HEADERS = 'Location, Retry-After, X-Request-Id'

/**
 * Parses a CORS origin setting: `*` → any, a comma-separated list → those origins,
 * empty → none.
 */
export function parseCorsOrigin(value: string): CorsPolicy {
  const origins = value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
  if (origins.includes('*')) return { kind: 'any' }
  return origins.length ? { kind: 'list', origins } : { kind: 'none' }
}

/** The value socket.io's `cors.origin` option wants for `policy`. */
export function socketIoCorsOrigin(policy: CorsPolicy): string | string[] | false {
  if (policy.kind === 'any') return '*'
  if (policy.kind === 'list') return [...policy.origins]
  return false
}

/**
 * Sets the CORS response headers for `req`. Returns `true` when `req` is a preflight
 * (`OPTIONS` with `Access-Control-Request-Method`), which the caller answers with 204.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, policy: CorsPolicy): boolean {
  const origin = req.headers.origin
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
  if (policy.kind === 'none' || origin === undefined) return preflight
  if (policy.kind === 'any') {
    res.setHeader('access-control-allow-origin', '*')
  } else {
    res.setHeader('vary', 'Origin')
    if (!policy.origins.includes(origin)) return preflight
    res.setHeader('access-control-allow-origin', origin)
  }
  res.setHeader('access-control-expose-headers', EXPOSE_HEADERS)
  if (preflight) {
    res.setHeader('access-control-allow-methods', ALLOW_METHODS)
    res.setHeader(
      'access-control-allow-headers',
      req.headers['access-control-request-headers'] ?? DEFAULT_ALLOW_HEADERS,
    )
    res.setHeader('access-control-max-age', '600')
  }
  return preflight
}
