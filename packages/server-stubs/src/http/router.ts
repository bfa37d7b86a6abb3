import { HttpError } from './http-error'
import type { Reply } from './reply'
import type { RequestContext } from './request-context'

/** Methods a route can be registered for (`HEAD` is answered by the `GET` route). */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * A route handler. Return a {@link Reply}, or `undefined` after writing to `ctx.res` yourself
 * (streams, server-sent events). Throw an `HttpError` for a typed error response.
 */
export type RouteHandler = (ctx: RequestContext) => Reply | undefined | Promise<Reply | undefined>

/** Per-route options. */
export interface RouteOptions {
  /**
   * Require `Authorization: Bearer <JWT>` before the handler runs (default `true`).
   * Only `/health` and browser-facing redirects should pass `false`.
   */
  auth?: boolean
  /** Largest JSON body this route accepts, in bytes (default: the server's `bodyLimit`). */
  bodyLimit?: number
}

/** A registered route. */
export interface Route {
  readonly method: HttpMethod
  /** The pattern as registered, e.g. `/v1/jobs/:id`; used as the `route` metrics label. */
  readonly pattern: string
  readonly handler: RouteHandler
  readonly options: Readonly<RouteOptions>
  readonly segments: readonly string[]
  /** Static segments count more than parameters, so `/v1/jobs/stats` beats `/v1/jobs/:id`. */
  readonly specificity: number
}

/** The outcome of {@link Router.match}. */
export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' }

/**
 * Method + path router with `:param` segments and a trailing `*` (the rest of the path, as
 * param `*`). Plugins register their routes on it; tests may add their own.
 */
export class Router {
  readonly #routes: Route[] = []

  /** Registers a `GET` (and `HEAD`) route. */
  get(pattern: string, handler: RouteHandler, options: RouteOptions = {}): this {
    return this.add('GET', pattern, handler, options)
  }
  /** Registers a `POST` route. */
  post(pattern: string, handler: RouteHandler, options: RouteOptions = {}): this {
    return this.add('POST', pattern, handler, options)
  }
  /** Registers a `PUT` route. */
  put(pattern: string, handler: RouteHandler, options: RouteOptions = {}): this {
    return this.add('PUT', pattern, handler, options)
  }
  /** Registers a `PATCH` route. */
  patch(pattern: string, handler: RouteHandler, options: RouteOptions = {}): this {
    return this.add('PATCH', pattern, handler, options)
  }
  /** Registers a `DELETE` route. */
  delete(pattern: string, handler: RouteHandler, options: RouteOptions = {}): this {
    return this.add('DELETE', pattern, handler, options)
  }

  /** Registers a route for `method`. */
  add(method: HttpMethod, pattern: string, handler: RouteHandler, options: RouteOptions = {}): this {
    if (!pattern.startsWith('/')) throw new Error(`route pattern must start with '/': ${pattern}`)
    const segments = splitPath(normalizePath(pattern))
    const star = segments.indexOf('*')
    if (star !== -1 && star !== segments.length - 1)
      throw new Error(`'*' must be the last segment: ${pattern}`)
    const specificity = segments.reduce((n, s) => n + (s.startsWith(':') || s === '*' ? 0 : 1), 0)
    this.#routes.push({ method, pattern, handler, options, segments, specificity })
    return this
  }

  /** All registered routes, in registration order. */
  get routes(): readonly Route[] {
    return this.#routes
  }

  /** Finds the route for `method` and `path` (a path without query string). */
  match(method: string, path: string): RouteMatch {
    const parts = splitPath(normalizePath(path))
    const wanted = method === 'HEAD' ? 'GET' : method
    let best: { route: Route; params: Record<string, string> } | undefined
    const allow = new Set<string>()
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts)
      if (!params) continue
      allow.add(route.method)
      if (route.method !== wanted) continue
      if (!best || route.specificity > best.route.specificity) best = { route, params }
    }
    if (best) return { kind: 'found', ...best }
    if (allow.size === 0) return { kind: 'not-found' }
    if (allow.has('GET')) allow.add('HEAD')
    allow.add('OPTIONS')
    return { kind: 'method-not-allowed', allow: [...allow] }
  }
}

/** Drops a trailing slash (except for `/`). */
export function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') || '/' : path
}

function splitPath(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/')
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | null {
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i] as string
    if (seg === '*') {
      if (i >= parts.length) return null
      params['*'] = parts.slice(i).map(decode).join('/')
      return params
    }
    const part = parts[i]
    if (part === undefined) return null
    if (seg.startsWith(':')) {
      if (part === '') return null
      params[seg.slice(1)] = decode(part)
    } else if (seg !== part) {
      return null
    }
  }
  return pattern.length === parts.length ? params : null
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw new HttpError('BAD_REQUEST', 'Malformed percent-encoding in the request path')
  }
}
