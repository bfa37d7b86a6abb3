import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthUser } from '../auth/request-user'

/** Anything with zod's `safeParse` (a `zod` or `zod/mini` schema from `@nself/contracts`). */
export interface SafeParser<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly unknown[] } }
}

/** What a route handler receives for one request. */
export interface RequestContext {
  /** The raw request; its body is unread until {@link RequestContext.body} is called. */
  readonly req: IncomingMessage
  /** The raw response, for handlers that stream (return `undefined` after taking it over). */
  readonly res: ServerResponse
  /** Upper-case method (`HEAD` is routed as `GET`). */
  readonly method: string
  /** The request path without query string, trailing slash removed. */
  readonly path: string
  /** Decoded path parameters (`/v1/jobs/:id` → `{ id }`). */
  readonly params: Readonly<Record<string, string>>
  /** The query string. */
  readonly query: URLSearchParams
  /** The tenant: `X-App-Name`, else `?app=`, else `primary`, normalised as the plugins do. */
  readonly appName: string
  /**
   * The authenticated caller; `null` only on routes registered with `{ auth: false }`.
   * Prefer {@link RequestContext.requireUser} in handlers.
   */
  readonly user: AuthUser | null
  /** The authenticated caller, or a 401 `UNAUTHENTICATED` error on a public route. */
  requireUser(): AuthUser
  /** The JSON body (`undefined` when empty), read once within the route's size limit. */
  body(): Promise<unknown>
  /** The JSON body validated by `schema`; a 400 `VALIDATION_FAILED` with the issues otherwise. */
  parseBody<T>(schema: SafeParser<T>): Promise<T>
}
