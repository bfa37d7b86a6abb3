import { isNselfError, NselfError } from '@nself/client-core'
import {
  IDME_DEFAULT_SCOPES,
  IDME_DEV_CLIENT,
  IDME_ENV,
  IDME_HOSTS,
  type IdmeGroup,
  type IdmeStatus,
  normalizeIdmeGroup,
} from '@nself/contracts/idme'
import { constantTimeEqual, IdmeClient, normalizeGroups } from '../idme-client'
import { idmeResultCode } from '../result'
import {
  exchangeCode,
  fetchAttributes,
  type IdmeServerClient,
  revokeToken,
  type TokenEndpointAuthMethod,
} from './idme-oauth'
import { readCookie, signState, stateCookie, verifyState } from './state-cookie'
import { defaultVerificationStore, type IdmeVerificationStore, type StoredIdmeVerification } from './store'

/** Options of {@link createIdmeRouteHandlers}. Unset settings are read from the environment per request. */
export interface IdmeRouteHandlersOptions {
  /**
   * The signed-in user of the request, from your app's own session (cookie, header …);
   * `null` when signed out. The verification always belongs to this user: never to one named
   * by `state` or a query parameter.
   */
  getUserId(request: Request): string | null | undefined | Promise<string | null | undefined>
  /** Default `IDME_CLIENT_ID` (outside production: the local stub's development client). */
  clientId?: string
  /** Default `IDME_CLIENT_SECRET` (outside production: the development client's). Server-side only. */
  clientSecret?: string
  /**
   * The registered redirect URI: where the `callback` route is mounted. Default the first of
   * `IDME_REDIRECT_URI`; outside production, the `callback` route next to `start`.
   */
  redirectUri?: string
  /**
   * ID.me's base URL. Default `IDME_BASE_URL`; else `https://api.idmelabs.com` with
   * `IDME_SANDBOX=true`; else, outside production, the local stub (`http://localhost:3010`);
   * else `https://api.id.me`.
   */
  baseUrl?: string
  /** Use ID.me's sandbox host (default `IDME_SANDBOX`). */
  sandbox?: boolean
  /** HMAC key of the state cookie (default `IDME_STATE_SECRET`, else derived from the client secret). */
  stateSecret?: string
  /** Where verifications are kept. Default: an in-memory store shared by the process. */
  store?: IdmeVerificationStore
  /** Groups `start` asks for when the request names none. Default `['military']`. */
  defaultGroups?: readonly string[]
  /** OIDC scopes besides the groups (default `openid email profile`). */
  scopes?: readonly string[]
  /** Token endpoint authentication (default `client_secret_basic`). */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod
  /** How long a started verification may take, in seconds (default 600). */
  stateTtlSeconds?: number
  /** Name of the state cookie (default `nself_idme`). */
  cookieName?: string
  /** `fetch` for the calls to ID.me. */
  fetch?: typeof fetch
  /** The clock, ms (tests). */
  now?: () => number
  /** The environment to read (default `process.env`). */
  env?: Record<string, string | undefined>
}

/** A route handler with the Web `Request`/`Response` API (Next.js App Router, any runtime). */
export type RouteHandler = (request: Request) => Promise<Response>

/** The four routes, and `GET`/`POST` dispatchers for one `app/api/idme/[action]/route.ts`. */
export interface IdmeRouteHandlers {
  /** `GET …/start?groups=military,student&returnTo=/settings`: sets the state cookie, 302 to ID.me. */
  start: RouteHandler
  /** `GET …/callback?code&state`: checks state and user, exchanges the code, stores, 302 to `returnTo?idme=…`. */
  callback: RouteHandler
  /** `GET …/status`: the signed-in user's {@link IdmeStatus}. */
  status: RouteHandler
  /** `POST …/revoke`: removes the user's verification; answers the (now unverified) status. */
  revoke: RouteHandler
  /** Dispatches on the last path segment: `start`, `callback`, `status`. */
  GET: RouteHandler
  /** Dispatches on the last path segment: `revoke`. */
  POST: RouteHandler
}

interface Resolved {
  client: IdmeServerClient
  secret: string
  scopes: readonly string[]
}

function readEnv(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  })
}

function errorResponse(error: NselfError): Response {
  return jsonResponse(
    {
      error: error.message,
      code: error.code,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
    error.status ?? 400,
  )
}

/**
 * `returnTo` as a same-origin path, or `null` when it points anywhere else (another origin,
 * a protocol-relative `//host`, a backslash trick, a `javascript:` URL …).
 */
export function sameOriginPath(value: string | null, requestUrl: URL): string | null {
  if (value === null || value === '') return '/'
  if (!value.startsWith('/') || value.startsWith('//') || [...value].some(isUnsafeChar)) return null
  const target = new URL(value, requestUrl)
  if (target.origin !== requestUrl.origin) return null
  return target.pathname + target.search + target.hash
}

/** A backslash (browsers read it as `/`) or a control character (header injection). */
function isUnsafeChar(c: string): boolean {
  return c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f
}

/** `path` with `?idme=verified` or `?idme=error&code=<result>` added. */
function withResult(path: string, result: { ok: true } | { ok: false; code: string }): string {
  const url = new URL(path, 'http://x')
  url.searchParams.delete('code')
  url.searchParams.set('idme', result.ok ? 'verified' : 'error')
  if (!result.ok) url.searchParams.set('code', result.code)
  return url.pathname + url.search + url.hash
}

function redirect(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
  for (const cookie of cookies) headers.append('set-cookie', cookie)
  return new Response(null, { status: 302, headers })
}

/** The {@link IdmeStatus} of a stored verification (or of none). */
export function toIdmeStatus(row: StoredIdmeVerification | null | undefined): IdmeStatus {
  return row
    ? { verified: row.verified, groups: row.groups, status: row.status, verifiedAt: row.verifiedAt }
    : { verified: false, groups: [], status: [], verifiedAt: null }
}

/**
 * Route handlers for the whole ID.me flow, for Next.js (App Router) or any runtime with the
 * Web `Request`/`Response` API:
 *
 * ```ts
 * // app/api/idme/[action]/route.ts
 * import { createIdmeRouteHandlers } from '@nself/idme-client/server'
 * export const { GET, POST } = createIdmeRouteHandlers({ getUserId: (req) => mySession(req)?.userId })
 * ```
 *
 * `state` and the PKCE verifier live in an httpOnly, HMAC-signed, short-lived cookie; the
 * user comes from `getUserId` at `start` and must be the same at `callback`; the code is
 * exchanged here with the client secret; no token ever reaches the browser (the refresh
 * token is revoked at once, the single-use access token spent on the attributes read).
 */
export function createIdmeRouteHandlers(options: IdmeRouteHandlersOptions): IdmeRouteHandlers {
  const now = options.now ?? Date.now
  const ttl = (options.stateTtlSeconds ?? 600) * 1000
  const cookieName = options.cookieName ?? 'nself_idme'
  const store = () => options.store ?? defaultVerificationStore()

  const resolve = (request: Request): Resolved => {
    const env = options.env ?? (typeof process === 'undefined' ? {} : process.env)
    const production = env.NODE_ENV === 'production'
    const clientId =
      options.clientId ??
      readEnv(env, IDME_ENV.clientId) ??
      (production ? undefined : IDME_DEV_CLIENT.clientId)
    const clientSecret =
      options.clientSecret ??
      readEnv(env, IDME_ENV.clientSecret) ??
      (production ? undefined : IDME_DEV_CLIENT.clientSecret)
    const redirectUri =
      options.redirectUri ??
      readEnv(env, IDME_ENV.redirectUri)?.split(',')[0]?.trim() ??
      (production ? undefined : new URL('callback', request.url).href)
    const sandbox = options.sandbox ?? /^(true|1|yes)$/i.test(env[IDME_ENV.sandbox] ?? '')
    const baseUrl =
      options.baseUrl ??
      readEnv(env, IDME_ENV.baseUrl) ??
      (sandbox ? IDME_HOSTS.sandbox : production ? IDME_HOSTS.production : 'http://localhost:3010')
    if (!clientId || !clientSecret || !redirectUri) {
      throw new NselfError(
        'NOT_CONFIGURED',
        `ID.me is not configured: set ${IDME_ENV.clientId}, ${IDME_ENV.clientSecret} and ${IDME_ENV.redirectUri}`,
        { status: 500 },
      )
    }
    return {
      client: {
        baseUrl: baseUrl.replace(/\/+$/, ''),
        clientId,
        clientSecret,
        redirectUri,
        authMethod: options.tokenEndpointAuthMethod ?? 'client_secret_basic',
        fetch: options.fetch ?? globalThis.fetch,
      },
      secret:
        options.stateSecret ?? readEnv(env, IDME_ENV.stateSecret) ?? `nself-idme-state\u0000${clientSecret}`,
      scopes: options.scopes ?? IDME_DEFAULT_SCOPES,
    }
  }

  const userOf = async (request: Request): Promise<string | null> =>
    (await options.getUserId(request)) || null

  const start: RouteHandler = async (request) => {
    const url = new URL(request.url)
    const returnTo = sameOriginPath(url.searchParams.get('returnTo'), url)
    if (returnTo === null) {
      return errorResponse(
        new NselfError('BAD_REQUEST', 'returnTo must be a path on this origin', { status: 400 }),
      )
    }
    let groups: IdmeGroup[]
    try {
      const requested =
        url.searchParams
          .get('groups')
          ?.split(/[\s,]+/)
          .filter(Boolean) ?? []
      groups = normalizeGroups(requested.length > 0 ? requested : (options.defaultGroups ?? ['military']))
    } catch (error) {
      return errorResponse(error as NselfError)
    }
    const userId = await userOf(request)
    if (!userId) return redirect(withResult(returnTo, { ok: false, code: 'unauthenticated' }))
    let resolved: Resolved
    try {
      resolved = resolve(request)
    } catch (error) {
      return redirect(withResult(returnTo, { ok: false, code: idmeResultCode((error as NselfError).code) }))
    }
    const client = new IdmeClient({ ...resolved.client, scopes: resolved.scopes })
    const authorization = await client.createAuthorization({ groups })
    const value = await signState(
      {
        state: authorization.state,
        verifier: authorization.codeVerifier,
        userId,
        returnTo,
        groups,
        expiresAt: now() + ttl,
      },
      resolved.secret,
    )
    // The cookie outlives the state a little, so a late callback reads "expired", not "mismatch".
    const cookie = stateCookie(cookieName, value, {
      maxAge: Math.ceil((ttl * 2) / 1000),
      path: new URL(resolved.client.redirectUri).pathname,
      secure: url.protocol === 'https:',
    })
    return redirect(authorization.url, [cookie])
  }

  const callback: RouteHandler = async (request) => {
    const url = new URL(request.url)
    let resolved: Resolved
    try {
      resolved = resolve(request)
    } catch (error) {
      return redirect(withResult('/', { ok: false, code: idmeResultCode((error as NselfError).code) }))
    }
    const path = new URL(resolved.client.redirectUri).pathname
    const clear = stateCookie(cookieName, '', { maxAge: 0, path, secure: url.protocol === 'https:' })
    const payload = await verifyState(readCookie(request.headers.get('cookie'), cookieName), resolved.secret)
    // No (valid) cookie: this browser did not start this flow. Leave any cookie alone.
    if (!payload) return redirect(withResult('/', { ok: false, code: 'state_mismatch' }))
    const back = (result: { ok: true } | { ok: false; code: string }, cookies = [clear]) =>
      redirect(withResult(payload.returnTo, result), cookies)
    if (payload.expiresAt <= now()) return back({ ok: false, code: 'state_expired' })
    const client = new IdmeClient({ ...resolved.client, scopes: resolved.scopes })
    let code: string
    try {
      code = client.parseCallback(url.searchParams, payload.state).code
    } catch (error) {
      const e = error as NselfError
      // A foreign state must not end the flow this browser has in progress.
      return back(
        { ok: false, code: idmeResultCode(e.code) },
        e.code === 'IDME_STATE_MISMATCH' ? [] : [clear],
      )
    }
    // The user is the session's, and must be the one who started: never one named by state.
    const userId = await userOf(request)
    if (!userId) return back({ ok: false, code: 'unauthenticated' })
    if (!constantTimeEqual(userId, payload.userId)) return back({ ok: false, code: 'state_mismatch' })
    try {
      const tokens = await exchangeCode(resolved.client, code, payload.verifier)
      let attributes: Awaited<ReturnType<typeof fetchAttributes>>
      try {
        attributes = await fetchAttributes(resolved.client, tokens.access_token)
      } finally {
        // Keep nothing: the refresh token goes back to ID.me at once.
        if (tokens.refresh_token) await revokeToken(resolved.client, tokens.refresh_token, 'refresh_token')
      }
      const requested = payload.groups.map(normalizeIdmeGroup).filter((g): g is IdmeGroup => g !== undefined)
      const groups = [
        ...new Set(
          attributes.status
            .filter((s) => s.verified)
            .map((s) => normalizeIdmeGroup(s.group))
            .filter((g): g is IdmeGroup => g !== undefined && requested.includes(g)),
        ),
      ]
      const values = Object.fromEntries(attributes.attributes.map((a) => [a.handle, a.value]))
      await store().set(userId, {
        userId,
        idmeUserId: values.uuid ?? '',
        verified: groups.length > 0,
        groups,
        status: attributes.status,
        attributes: values,
        verifiedAt: new Date(now()).toISOString(),
      })
      return back(groups.length > 0 ? { ok: true } : { ok: false, code: 'access_denied' })
    } catch (error) {
      return back({ ok: false, code: idmeResultCode(isNselfError(error) ? error.code : 'UPSTREAM_ERROR') })
    }
  }

  const unauthenticated = () =>
    errorResponse(new NselfError('UNAUTHENTICATED', 'Sign in first', { status: 401 }))

  const status: RouteHandler = async (request) => {
    const userId = await userOf(request)
    if (!userId) return unauthenticated()
    return jsonResponse(toIdmeStatus(await store().get(userId)))
  }

  const revoke: RouteHandler = async (request) => {
    if (request.method !== 'POST') {
      return jsonResponse({ error: 'Use POST', code: 'METHOD_NOT_ALLOWED' }, 405, { allow: 'POST' })
    }
    // A cross-site form or fetch must not remove the verification (CSRF).
    const origin = request.headers.get('origin')
    const site = request.headers.get('sec-fetch-site')
    if (
      (origin !== null && origin !== new URL(request.url).origin) ||
      (site !== null && site !== 'same-origin')
    ) {
      return errorResponse(new NselfError('FORBIDDEN', 'Cross-origin request refused', { status: 403 }))
    }
    const userId = await userOf(request)
    if (!userId) return unauthenticated()
    await store().delete(userId)
    return jsonResponse(toIdmeStatus(null))
  }

  const action = (request: Request) => new URL(request.url).pathname.replace(/\/+$/, '').split('/').pop()
  const notFound = () => jsonResponse({ error: 'No such ID.me route', code: 'NOT_FOUND' }, 404)
  const safe =
    (handler: RouteHandler): RouteHandler =>
    async (request) => {
      try {
        return await handler(request)
      } catch (error) {
        return errorResponse(
          isNselfError(error)
            ? error
            : new NselfError('INTERNAL_ERROR', 'ID.me route failed', { status: 500, cause: error }),
        )
      }
    }

  const handlers = {
    start: safe(start),
    callback: safe(callback),
    status: safe(status),
    revoke: safe(revoke),
  }
  const dispatchGet: RouteHandler = (request) => {
    const name = action(request)
    return name === 'start' || name === 'callback' || name === 'status'
      ? handlers[name](request)
      : Promise.resolve(notFound())
  }
  const dispatchPost: RouteHandler = (request) =>
    action(request) === 'revoke' ? handlers.revoke(request) : Promise.resolve(notFound())
  return { ...handlers, GET: dispatchGet, POST: dispatchPost }
}
