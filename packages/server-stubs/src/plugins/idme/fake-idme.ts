import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  IDME_DEFAULT_SCOPES,
  IDME_GROUP_SCOPES,
  IDME_ISSUER_PATH,
  IDME_PATHS,
  IDME_TOKEN_LIFETIMES,
  type IdmeAttributesResponse,
  IdmeAuthorizeQuerySchema,
  type IdmeDiscovery,
  type IdmeGroup,
  type IdmeJwks,
  IdmeRevokeRequestSchema,
  IdmeTokenRequestSchema,
  type IdmeTokenResponse,
  type IdmeUserinfoClaims,
} from '@nself/contracts/idme'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { empty, json, type Reply, text } from '../../http/reply'
import type { RequestContext } from '../../http/request-context'
import type { Router } from '../../http/router'
import { authorizePage, errorPage } from './authorize-page'
import type { IdmeOAuthClient } from './config'
import { readForm, repeatedParams } from './form-body'
import { attributesOf, groupStatus, identityForEmail, TEST_IDENTITIES, type TestIdentity } from './identities'

/** Options of {@link FakeIdme}. */
export interface FakeIdmeOptions {
  /** The registered OAuth clients. */
  clients: readonly IdmeOAuthClient[]
  /** The clock, in ms (tests move it to expire codes and tokens). */
  now: () => number
  /** The base URL the issuer and endpoints are built on; default: from the request's `Host`. */
  publicUrl?: string
  /** Signing algorithm of ID tokens and userinfo JWTs (default `RS256`, as ID.me signs). */
  alg?: 'RS256' | 'ES256'
}

/** Lifetime of an authorization code, and of an unanswered sign-in page, in ms. */
const CODE_TTL_MS = 120_000
const REQUEST_TTL_MS = 600_000
/** Used codes are remembered this much longer, so a late replay is still recognised and revokes. */
const USED_CODE_MEMORY_MS = 3_600_000
/** Upper bound of each in-memory table (oldest entries go first). */
const MAX_ENTRIES = 20_000

const OIDC_SCOPES = new Set<string>(IDME_DEFAULT_SCOPES)

interface AuthorizeRequest {
  clientId: string
  redirectUri: string
  scopes: string[]
  groups: IdmeGroup[]
  state: string | undefined
  challenge: string | undefined
  nonce: string | undefined
  expiresAt: number
}

interface Grant {
  id: string
  clientId: string
  person: TestIdentity
  scopes: string[]
  requested: IdmeGroup[]
  verified: IdmeGroup[]
  /** Authenticated with PKCE only (no client secret): may refresh without one. */
  isPublic: boolean
  authTime: number
  nonce: string | undefined
  tokens: Set<string>
}

interface CodeRecord {
  grant: Omit<Grant, 'isPublic' | 'tokens'>
  redirectUri: string
  challenge: string | undefined
  expiresAt: number
  used: boolean
  /** The grant the code's first use created, revoked when the code is used again. */
  issuedGrantId: string | undefined
}

interface TokenRecord {
  kind: 'access' | 'refresh'
  grantId: string
  expiresAt: number
}

/** An OAuth error reply (RFC 6749 §5.2), with our `code` alongside for the SDKs. */
function oauthError(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): Reply {
  const code =
    error === 'invalid_grant'
      ? 'IDME_INVALID_GRANT'
      : error === 'access_denied'
        ? 'IDME_ACCESS_DENIED'
        : status === 401
          ? 'UNAUTHENTICATED'
          : 'BAD_REQUEST'
  return json({ error, error_description: description, code }, status, {
    'cache-control': 'no-store',
    ...headers,
  })
}

function redirect(location: string): Reply {
  return empty(302, { location, 'cache-control': 'no-store' })
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri)
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value)
  return url.href
}

function token(): string {
  return randomBytes(32).toString('base64url')
}

/** base64url(SHA-256(verifier)): the S256 code challenge. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url')
}

function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest()
  const y = createHash('sha256').update(b).digest()
  return timingSafeEqual(x, y) && a.length === b.length
}

function cap<K, V>(map: Map<K, V>): void {
  while (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next()
    if (oldest.done) return
    map.delete(oldest.value)
  }
}

/**
 * A fake ID.me at ID.me's documented paths: OIDC discovery and JWKS, `/oauth/authorize` (a
 * page where a person picks a test identity and its groups, or straight back with
 * `login_hint`), `/oauth/token` (authorization code with PKCE S256, refresh token;
 * `client_secret_post`, `client_secret_basic`, or PKCE alone), `/oauth/revoke`, the
 * attributes API and a signed userinfo JWT. Codes and access tokens are single-use; access
 * tokens last 5 minutes; a reused code revokes what it issued.
 */
export class FakeIdme {
  readonly #clients: Map<string, IdmeOAuthClient>
  readonly #now: () => number
  readonly #publicUrl: string | undefined
  readonly #alg: 'RS256' | 'ES256'
  readonly #requests = new Map<string, AuthorizeRequest>()
  readonly #codes = new Map<string, CodeRecord>()
  readonly #grants = new Map<string, Grant>()
  readonly #tokens = new Map<string, TokenRecord>()
  #keys: Promise<{ privateKey: CryptoKey; jwk: JWK }> | undefined
  /** Filled in once the server listens: the fallback base URL. */
  serverUrl = ''

  constructor(options: FakeIdmeOptions) {
    this.#clients = new Map(options.clients.map((c) => [c.clientId, c]))
    this.#now = options.now
    this.#publicUrl = options.publicUrl?.replace(/\/+$/, '')
    this.#alg = options.alg ?? 'RS256'
  }

  /** Registers (or replaces) an OAuth client. */
  registerClient(client: IdmeOAuthClient): void {
    this.#clients.set(client.clientId, { ...client, redirectUris: [...client.redirectUris] })
  }

  /** A registered client, by id. */
  client(clientId: string): IdmeOAuthClient | undefined {
    return this.#clients.get(clientId)
  }

  /** How many access and refresh tokens are live (tests check revocation with it). */
  get liveTokens(): number {
    const now = this.#now()
    return [...this.#tokens.values()].filter((t) => t.expiresAt > now).length
  }

  /** Is `value` a live (issued, unexpired, unrevoked, unused) token? */
  isLive(value: string): boolean {
    const record = this.#tokens.get(value)
    return record !== undefined && record.expiresAt > this.#now()
  }

  /** Registers the fake's routes (all public: ID.me authenticates with its own means). */
  register(router: Router): void {
    const open = { auth: false } as const
    router.get(IDME_PATHS.discovery, (ctx) => json(this.discovery(this.#base(ctx))), open)
    router.get(IDME_PATHS.jwks, async () => json(await this.jwks()), open)
    router.get(IDME_PATHS.authorize, (ctx) => this.#authorize(ctx), open)
    router.post(IDME_PATHS.authorize, (ctx) => this.#authorizeDecision(ctx), open)
    router.post(IDME_PATHS.token, (ctx) => this.#token(ctx), open)
    router.post(IDME_PATHS.revoke, (ctx) => this.#revoke(ctx), open)
    router.get(IDME_PATHS.attributes, (ctx) => this.#attributes(ctx), open)
    router.get(IDME_PATHS.userinfo, (ctx) => this.#userinfo(ctx), open)
    router.get(IDME_PATHS.logout, (ctx) => this.#logout(ctx), open)
    // Browsers ask for it on the sign-in page; an empty answer keeps their console clean.
    router.get('/favicon.ico', () => empty(204, { 'cache-control': 'max-age=86400' }), open)
  }

  /** The OIDC discovery document for `base`. */
  discovery(base: string): IdmeDiscovery {
    return {
      issuer: `${base}${IDME_ISSUER_PATH}`,
      authorization_endpoint: `${base}${IDME_PATHS.authorize}`,
      token_endpoint: `${base}${IDME_PATHS.token}`,
      userinfo_endpoint: `${base}${IDME_PATHS.userinfo}`,
      jwks_uri: `${base}${IDME_PATHS.jwks}`,
      revocation_endpoint: `${base}${IDME_PATHS.revoke}`,
      end_session_endpoint: `${base}${IDME_PATHS.logout}`,
      scopes_supported: [...IDME_DEFAULT_SCOPES, ...IDME_GROUP_SCOPES],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [this.#alg],
      userinfo_signing_alg_values_supported: [this.#alg],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
      code_challenge_methods_supported: ['S256'],
      claims_supported: ['sub', 'iss', 'aud', 'email', 'fname', 'lname', 'uuid', 'zip', 'status'],
    }
  }

  /** The public signing key set. */
  async jwks(): Promise<IdmeJwks> {
    const { jwk } = await this.#signingKey()
    return { keys: [{ ...jwk, kty: jwk.kty ?? 'RSA' }] }
  }

  #signingKey(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
    this.#keys ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair(this.#alg, { extractable: true })
      const jwk = await exportJWK(publicKey)
      const kid = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 16)
      return { privateKey, jwk: { ...jwk, kid, use: 'sig', alg: this.#alg } }
    })()
    return this.#keys
  }

  #base(ctx: RequestContext): string {
    if (this.#publicUrl) return this.#publicUrl
    const host = ctx.req.headers.host
    return host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(host)
      ? `http://${host}`
      : this.serverUrl
  }

  #prune(): void {
    const now = this.#now()
    for (const [id, r] of this.#requests) if (r.expiresAt <= now) this.#requests.delete(id)
    for (const [c, r] of this.#codes) if (r.expiresAt + USED_CODE_MEMORY_MS <= now) this.#codes.delete(c)
    for (const [t, r] of this.#tokens) {
      if (r.expiresAt > now) continue
      this.#tokens.delete(t)
      const grant = this.#grants.get(r.grantId)
      grant?.tokens.delete(t)
      if (grant && grant.tokens.size === 0) this.#grants.delete(grant.id)
    }
    cap(this.#requests)
    cap(this.#codes)
    cap(this.#tokens)
  }

  // -------------------------------------------------------------------------------------
  // /oauth/authorize

  #authorize(ctx: RequestContext): Reply {
    this.#prune()
    const q = ctx.query
    const client = this.#clients.get(q.get('client_id') ?? '')
    // Without a known client and a registered redirect URI, nothing may be redirected.
    if (!client) return errorPage(400, 'Unknown client', 'client_id is not a registered application.')
    const redirectUri = q.get('redirect_uri') ?? ''
    if (!client.redirectUris.includes(redirectUri)) {
      return errorPage(400, 'Redirect URI mismatch', 'redirect_uri does not exactly match a registered URI.')
    }
    const state = q.get('state') ?? undefined
    const fail = (error: string, description: string) =>
      redirect(withParams(redirectUri, { error, error_description: description, state }))
    const repeated = repeatedParams(q)
    if (repeated.length > 0) return fail('invalid_request', `repeated parameter: ${repeated.join(', ')}`)
    if (q.get('response_type') !== 'code')
      return fail('unsupported_response_type', 'response_type must be code')
    const parsed = IdmeAuthorizeQuerySchema.safeParse(Object.fromEntries(q))
    if (!parsed.success) {
      const method = q.get('code_challenge_method')
      return fail(
        'invalid_request',
        method && method !== 'S256'
          ? 'code_challenge_method must be S256'
          : 'malformed authorization request',
      )
    }
    const request = parsed.data
    if (request.code_challenge_method && !request.code_challenge) {
      return fail('invalid_request', 'code_challenge_method without code_challenge')
    }
    const scopes = [...new Set(request.scope.split(' ').filter(Boolean))]
    const unknown = scopes.filter(
      (s) => !OIDC_SCOPES.has(s) && !(IDME_GROUP_SCOPES as readonly string[]).includes(s),
    )
    if (unknown.length > 0) return fail('invalid_scope', `invalid scope: ${unknown.join(' ')}`)
    const pending: AuthorizeRequest = {
      clientId: client.clientId,
      redirectUri,
      scopes,
      groups: scopes.filter((s): s is IdmeGroup => (IDME_GROUP_SCOPES as readonly string[]).includes(s)),
      state,
      challenge: request.code_challenge,
      nonce: request.nonce,
      expiresAt: this.#now() + REQUEST_TTL_MS,
    }
    // Automated runs: sign in as the hinted identity, verified for every group asked for.
    const hinted = request.login_hint ? identityForEmail(request.login_hint) : undefined
    if (hinted) return redirect(this.#issueCode(pending, hinted, pending.groups))
    const requestId = token()
    this.#requests.set(requestId, pending)
    return authorizePage({
      requestId,
      clientId: client.clientId,
      redirectHost: new URL(redirectUri).host,
      groups: pending.groups,
      identities: TEST_IDENTITIES,
    })
  }

  async #authorizeDecision(ctx: RequestContext): Promise<Reply> {
    const { fields, all } = await readForm(ctx)
    const requestId = fields.request_id ?? ''
    const pending = this.#requests.get(requestId)
    this.#requests.delete(requestId)
    if (!pending || pending.expiresAt <= this.#now()) {
      return errorPage(
        400,
        'Sign-in expired',
        'This sign-in request is unknown or expired: go back to the app and start again.',
      )
    }
    if (fields.action !== 'allow') {
      return redirect(
        withParams(pending.redirectUri, {
          error: 'access_denied',
          error_description: 'The user cancelled the sign-in',
          state: pending.state,
        }),
      )
    }
    const person = identityForEmail(fields.email?.trim() || fields.identity || '')
    if (!person) return errorPage(400, 'Unknown identity', 'Pick a test identity or enter an email address.')
    const chosen = all.getAll('groups').filter((g): g is IdmeGroup => pending.groups.includes(g as IdmeGroup))
    return redirect(this.#issueCode(pending, person, chosen))
  }

  #issueCode(request: AuthorizeRequest, person: TestIdentity, verified: readonly IdmeGroup[]): string {
    const code = token()
    const now = this.#now()
    this.#codes.set(code, {
      grant: {
        id: token(),
        clientId: request.clientId,
        person,
        scopes: request.scopes,
        requested: request.groups,
        verified: [...new Set(verified)],
        authTime: Math.floor(now / 1000),
        nonce: request.nonce,
      },
      redirectUri: request.redirectUri,
      challenge: request.challenge,
      expiresAt: now + CODE_TTL_MS,
      used: false,
      issuedGrantId: undefined,
    })
    return withParams(request.redirectUri, { code, state: request.state })
  }

  // -------------------------------------------------------------------------------------
  // /oauth/token and /oauth/revoke

  /** Client authentication: `client_secret_basic`, `client_secret_post`, or none (client_id only). */
  #authenticate(
    ctx: RequestContext,
    fields: Record<string, string>,
  ): { client: IdmeOAuthClient; authenticated: boolean } | Reply {
    const header = ctx.req.headers.authorization
    let basic: { id: string; secret: string } | undefined
    if (header !== undefined) {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
      const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : ''
      const colon = decoded.indexOf(':')
      if (colon === -1) {
        return oauthError(401, 'invalid_client', 'malformed Basic credentials', {
          'www-authenticate': 'Basic',
        })
      }
      try {
        basic = {
          id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
          secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
        }
      } catch {
        return oauthError(401, 'invalid_client', 'malformed Basic credentials', {
          'www-authenticate': 'Basic',
        })
      }
    }
    if (basic && fields.client_secret !== undefined) {
      return oauthError(400, 'invalid_request', 'use one client authentication method, not two')
    }
    if (basic && fields.client_id !== undefined && fields.client_id !== basic.id) {
      return oauthError(400, 'invalid_request', 'client_id differs from the authenticated client')
    }
    const clientId = basic?.id ?? fields.client_id
    const client = clientId === undefined ? undefined : this.#clients.get(clientId)
    const challenge: Record<string, string> = basic ? { 'www-authenticate': 'Basic' } : {}
    if (!client) return oauthError(401, 'invalid_client', 'unknown client', challenge)
    const secret = basic?.secret ?? fields.client_secret
    if (secret === undefined) return { client, authenticated: false }
    if (!safeEqual(secret, client.clientSecret)) {
      return oauthError(401, 'invalid_client', 'client authentication failed', challenge)
    }
    return { client, authenticated: true }
  }

  async #token(ctx: RequestContext): Promise<Reply> {
    this.#prune()
    const { fields, all } = await readForm(ctx)
    const repeated = repeatedParams(all)
    if (repeated.length > 0)
      return oauthError(400, 'invalid_request', `repeated parameter: ${repeated.join(', ')}`)
    const auth = this.#authenticate(ctx, fields)
    if ('status' in auth) return auth
    const { client, authenticated } = auth
    if (fields.grant_type !== 'authorization_code' && fields.grant_type !== 'refresh_token') {
      return oauthError(
        400,
        'unsupported_grant_type',
        'grant_type must be authorization_code or refresh_token',
      )
    }
    const parsed = IdmeTokenRequestSchema.safeParse(fields)
    if (!parsed.success) return oauthError(400, 'invalid_request', 'malformed token request')
    const request = parsed.data
    const now = this.#now()

    if (request.grant_type === 'authorization_code') {
      const record = this.#codes.get(request.code)
      if (!record) return oauthError(400, 'invalid_grant', 'unknown authorization code')
      if (record.used) {
        // ID.me: re-using a code revokes the tokens it already issued.
        if (record.issuedGrantId) this.revokeGrant(record.issuedGrantId)
        return oauthError(400, 'invalid_grant', 'authorization code already used; its tokens are revoked')
      }
      record.used = true
      if (record.grant.clientId !== client.clientId)
        return oauthError(400, 'invalid_grant', 'code issued to another client')
      if (record.expiresAt <= now) return oauthError(400, 'invalid_grant', 'authorization code expired')
      if (request.redirect_uri !== record.redirectUri) {
        return oauthError(400, 'invalid_grant', 'redirect_uri differs from the authorization request')
      }
      if (record.challenge !== undefined) {
        if (!request.code_verifier) return oauthError(400, 'invalid_grant', 'code_verifier required')
        if (!safeEqual(s256(request.code_verifier), record.challenge)) {
          return oauthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge')
        }
      } else {
        if (request.code_verifier)
          return oauthError(400, 'invalid_grant', 'no code_challenge was sent for this code')
        if (!authenticated)
          return oauthError(401, 'invalid_client', 'client authentication required without PKCE')
      }
      const grant: Grant = { ...record.grant, isPublic: !authenticated, tokens: new Set() }
      this.#grants.set(grant.id, grant)
      record.issuedGrantId = grant.id
      return json(await this.#tokenResponse(grant, this.#base(ctx), true), 200, {
        'cache-control': 'no-store',
        pragma: 'no-cache',
      })
    }

    const record = this.#tokens.get(request.refresh_token)
    const grant = record ? this.#grants.get(record.grantId) : undefined
    if (record?.kind !== 'refresh' || record.expiresAt <= now || !grant) {
      return oauthError(400, 'invalid_grant', 'unknown, expired or revoked refresh token')
    }
    if (grant.clientId !== client.clientId)
      return oauthError(400, 'invalid_grant', 'refresh token of another client')
    if (!authenticated && !grant.isPublic)
      return oauthError(401, 'invalid_client', 'client authentication required')
    // Rotation: the refresh token is single-use too.
    this.#tokens.delete(request.refresh_token)
    grant.tokens.delete(request.refresh_token)
    return json(await this.#tokenResponse(grant, this.#base(ctx), false), 200, {
      'cache-control': 'no-store',
      pragma: 'no-cache',
    })
  }

  async #tokenResponse(grant: Grant, base: string, withIdToken: boolean): Promise<IdmeTokenResponse> {
    const now = this.#now()
    const accessToken = token()
    const refreshToken = token()
    this.#tokens.set(accessToken, {
      kind: 'access',
      grantId: grant.id,
      expiresAt: now + IDME_TOKEN_LIFETIMES.accessToken * 1000,
    })
    this.#tokens.set(refreshToken, {
      kind: 'refresh',
      grantId: grant.id,
      expiresAt: now + IDME_TOKEN_LIFETIMES.refreshToken * 1000,
    })
    grant.tokens.add(accessToken).add(refreshToken)
    const response: IdmeTokenResponse = {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: IDME_TOKEN_LIFETIMES.accessToken,
      refresh_token: refreshToken,
      refresh_expires_in: IDME_TOKEN_LIFETIMES.refreshToken,
      scope: grant.scopes.join(' '),
    }
    if (withIdToken && grant.scopes.includes('openid')) {
      response.id_token = await this.#sign(
        {
          email: grant.person.email,
          auth_time: grant.authTime,
          ...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
        },
        grant,
        base,
      )
    }
    return response
  }

  async #sign(claims: Record<string, unknown>, grant: Grant, base: string): Promise<string> {
    const { privateKey, jwk } = await this.#signingKey()
    const iat = Math.floor(this.#now() / 1000)
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.#alg, kid: jwk.kid as string, typ: 'JWT' })
      .setIssuer(`${base}${IDME_ISSUER_PATH}`)
      .setSubject(grant.person.uuid)
      .setAudience(grant.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + IDME_TOKEN_LIFETIMES.accessToken)
      .sign(privateKey)
  }

  /** Revokes every token of a grant. */
  revokeGrant(grantId: string): void {
    const grant = this.#grants.get(grantId)
    if (!grant) return
    for (const t of grant.tokens) this.#tokens.delete(t)
    this.#grants.delete(grantId)
  }

  async #revoke(ctx: RequestContext): Promise<Reply> {
    const { fields } = await readForm(ctx)
    const auth = this.#authenticate(ctx, fields)
    if ('status' in auth) return auth
    const parsed = IdmeRevokeRequestSchema.safeParse(fields)
    if (!parsed.success) return oauthError(400, 'invalid_request', 'token is required')
    const record = this.#tokens.get(parsed.data.token)
    const grant = record ? this.#grants.get(record.grantId) : undefined
    // RFC 7009: an unknown or foreign token is answered 200 as well, and nothing happens.
    if (
      record &&
      grant &&
      grant.clientId === auth.client.clientId &&
      (auth.authenticated || grant.isPublic)
    ) {
      if (record.kind === 'refresh') this.revokeGrant(grant.id)
      else {
        this.#tokens.delete(parsed.data.token)
        grant.tokens.delete(parsed.data.token)
      }
    }
    return empty(200, { 'cache-control': 'no-store' })
  }

  // -------------------------------------------------------------------------------------
  // The APIs an access token opens (once)

  /** Takes the request's access token (Bearer, or `access_token` query) and uses it up. */
  #consume(ctx: RequestContext): Grant | Reply {
    const header = ctx.req.headers.authorization
    const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined
    const value = bearer ?? ctx.query.get('access_token') ?? undefined
    const challenge = (error: string, description: string, status = 401) =>
      oauthError(status, error, description, {
        'www-authenticate': `Bearer error="${error}", error_description="${description}"`,
      })
    if (!value) return challenge('invalid_request', 'access token required')
    const record = this.#tokens.get(value)
    const grant = record ? this.#grants.get(record.grantId) : undefined
    if (record?.kind !== 'access' || !grant || record.expiresAt <= this.#now()) {
      return challenge('invalid_token', 'the access token is unknown, expired, revoked or already used')
    }
    // ID.me access tokens are single-use.
    this.#tokens.delete(value)
    grant.tokens.delete(value)
    return grant
  }

  #attributes(ctx: RequestContext): Reply {
    const grant = this.#consume(ctx)
    if ('status' in grant) return grant
    const body: IdmeAttributesResponse = {
      attributes: attributesOf(grant.person, grant.verified),
      status: groupStatus(grant.requested, grant.verified),
    }
    return json(body, 200, { 'cache-control': 'no-store' })
  }

  async #userinfo(ctx: RequestContext): Promise<Reply> {
    const grant = this.#consume(ctx)
    if ('status' in grant) return grant
    if (!grant.scopes.includes('openid')) {
      return oauthError(403, 'insufficient_scope', 'userinfo needs the openid scope')
    }
    const claims: Partial<IdmeUserinfoClaims> = { status: groupStatus(grant.requested, grant.verified) }
    for (const { handle, value } of attributesOf(grant.person, grant.verified)) claims[handle] = value
    const jwt = await this.#sign(claims, grant, this.#base(ctx))
    return text(jwt, 200, { 'content-type': 'application/jwt', 'cache-control': 'no-store' })
  }

  #logout(ctx: RequestContext): Reply {
    const client = this.#clients.get(ctx.query.get('client_id') ?? '')
    const redirectUri = ctx.query.get('redirect_uri') ?? ''
    if (!client?.redirectUris.includes(redirectUri)) {
      return errorPage(
        400,
        'Cannot log out',
        'client_id and redirect_uri must name a registered application.',
      )
    }
    return redirect(redirectUri)
  }
}
