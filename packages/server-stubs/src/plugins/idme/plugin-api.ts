import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  IDME_DEFAULT_SCOPES,
  IDME_PATHS,
  IDME_PLUGIN_ROUTES,
  IDME_WEBHOOK_SIGNATURE_HEADER,
  IdmeAttributesResponseSchema,
  IdmeAuthStartQuerySchema,
  type IdmeCallbackResponse,
  type IdmeGroup,
  type IdmeGroupStatus,
  IdmeStatePayloadSchema,
  IdmeTokenResponseSchema,
  type IdmeVerification,
  type IdmeWebhookEvent,
  IdmeWebhookEventSchema,
  normalizeIdmeGroup,
} from '@nself/contracts/idme'
import { actingUserId } from '../../auth/request-user'
import { HttpError } from '../../http/http-error'
import { readBody } from '../../http/json-body'
import type { Logger } from '../../http/logger'
import { empty, json, type Reply } from '../../http/reply'
import type { RequestContext } from '../../http/request-context'
import type { Router } from '../../http/router'
import type { IdmeConfig } from './config'
import { checkWebhookSignature, WEBHOOK_TOLERANCE_SECONDS, webhookTime } from './webhook'

/** How long a started verification waits for its callback, in ms (the real plugin's cookie: 600 s). */
const STATE_TTL_MS = 600_000
const MAX_PENDING = 10_000
const MAX_EVENTS = 1_000
const WEBHOOK_LIMIT = 64 * 1024

interface Pending {
  userId: string
  appName: string
  verifier: string
  redirectUri: string
  groups: IdmeGroup[]
  expiresAt: number
}

/** What the plugin API needs from its server. */
export interface IdmePluginApiOptions {
  config: IdmeConfig
  logger: Logger
  now: () => number
  /** The upstream ID.me base URL (this server itself for the fake), read per call. */
  upstreamBaseUrl: () => string
  /** `fetch` for upstream calls. */
  fetch?: typeof fetch
}

/** A stored webhook event. */
export interface StoredWebhookEvent {
  event: IdmeWebhookEvent
  receivedAt: string
}

function b64url(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

function sameString(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest()
  const y = createHash('sha256').update(b).digest()
  return timingSafeEqual(x, y)
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}

/**
 * The idme plugin's API, safe: `/auth/idme` and `/callback/idme` need the same user's Bearer
 * token (the app's backend forwards ID.me's redirect with it), so a verification always lands
 * on the user who started it, never on one named by `state`; reads return no OAuth token;
 * webhooks are HMAC-checked in constant time within a replay window.
 */
export class IdmePluginApi {
  readonly #options: IdmePluginApiOptions
  readonly #pending = new Map<string, Pending>()
  readonly #verifications = new Map<string, IdmeVerification>()
  readonly #seenEvents = new Map<string, number>()
  /** Received webhook events, newest last (at most 1 000). */
  readonly events: StoredWebhookEvent[] = []

  constructor(options: IdmePluginApiOptions) {
    this.#options = options
  }

  /** The stored verification of `userId` in tenant `appName`. */
  verification(userId: string, appName = 'primary'): IdmeVerification | undefined {
    return this.#verifications.get(`${appName}\u0000${userId}`)
  }

  register(router: Router): void {
    router.get(IDME_PLUGIN_ROUTES.auth, (ctx) => this.#start(ctx))
    router.get(IDME_PLUGIN_ROUTES.callback, (ctx) => this.#callback(ctx))
    router.post(IDME_PLUGIN_ROUTES.webhook, (ctx) => this.#webhook(ctx), { auth: false })
    router.get(IDME_PLUGIN_ROUTES.myVerification, (ctx) => this.#read(ctx, ctx.requireUser().userId))
    router.delete(IDME_PLUGIN_ROUTES.myVerification, (ctx) => this.#delete(ctx, ctx.requireUser().userId))
    router.get(IDME_PLUGIN_ROUTES.verification, (ctx) =>
      this.#read(ctx, actingUserId(ctx.requireUser(), ctx.params.userId)),
    )
    router.delete(IDME_PLUGIN_ROUTES.verification, (ctx) =>
      this.#delete(ctx, actingUserId(ctx.requireUser(), ctx.params.userId)),
    )
  }

  #read(ctx: RequestContext, userId: string): Reply {
    const row = this.verification(userId, ctx.appName)
    if (!row) throw new HttpError('NOT_FOUND', 'No verification for this user')
    return json(row)
  }

  #delete(ctx: RequestContext, userId: string): Reply {
    this.#verifications.delete(`${ctx.appName}\u0000${userId}`)
    return empty(204)
  }

  #start(ctx: RequestContext): Reply {
    const user = ctx.requireUser()
    const { config, now } = this.#options
    const parsed = IdmeAuthStartQuerySchema.safeParse(Object.fromEntries(ctx.query))
    if (!parsed.success)
      throw new HttpError('VALIDATION_FAILED', 'Bad query', { details: parsed.error.issues })
    let groups = config.defaultGroups
    if (parsed.data.groups) {
      const names = parsed.data.groups.split(/[\s,]+/).filter(Boolean)
      const unknown = names.filter((n) => !normalizeIdmeGroup(n))
      if (unknown.length > 0) {
        throw new HttpError('VALIDATION_FAILED', `Unknown group: ${unknown.join(', ')}`, {
          details: { unknown },
        })
      }
      groups = [...new Set(names.map((n) => normalizeIdmeGroup(n) as IdmeGroup))]
    }
    const redirectUri = parsed.data.redirect_uri ?? config.client.redirectUris[0] ?? ''
    if (!config.client.redirectUris.includes(redirectUri)) {
      throw new HttpError('VALIDATION_FAILED', 'redirect_uri is not one of IDME_REDIRECT_URI')
    }
    for (const [nonce, p] of this.#pending) if (p.expiresAt <= now()) this.#pending.delete(nonce)
    if (this.#pending.size >= MAX_PENDING)
      throw new HttpError('RATE_LIMITED', 'Too many verifications in progress')
    const nonce = b64url(32)
    const verifier = b64url(48)
    this.#pending.set(nonce, {
      userId: user.userId,
      appName: ctx.appName,
      verifier,
      redirectUri,
      groups,
      expiresAt: now() + STATE_TTL_MS,
    })
    // The real plugin's state: base64url JSON { nonce, sourceAccountId }. It names no user.
    const state = Buffer.from(JSON.stringify({ nonce, sourceAccountId: ctx.appName })).toString('base64url')
    const url = new URL(`${this.#options.upstreamBaseUrl()}${IDME_PATHS.authorize}`)
    url.search = new URLSearchParams({
      client_id: config.client.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: [...IDME_DEFAULT_SCOPES, ...groups].join(' '),
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    const cookie = `idme_state=${nonce}; HttpOnly; Max-Age=${STATE_TTL_MS / 1000}; Path=/; SameSite=Lax`
    if (/\bapplication\/json\b/i.test(ctx.req.headers.accept ?? '')) {
      return json({ url: url.href }, 200, { 'set-cookie': cookie, 'cache-control': 'no-store' })
    }
    return empty(302, { location: url.href, 'set-cookie': cookie, 'cache-control': 'no-store' })
  }

  async #callback(ctx: RequestContext): Promise<Reply> {
    const user = ctx.requireUser()
    const { now, config } = this.#options
    const stateParam = ctx.query.get('state') ?? ''
    const decoded = decodeState(stateParam)
    const pending = decoded ? this.#pending.get(decoded.nonce) : undefined
    if (!decoded || !pending) {
      throw new HttpError('IDME_STATE_MISMATCH', 'Unknown or already used state')
    }
    // Single use, whatever happens next.
    this.#pending.delete(decoded.nonce)
    const cookie = readCookie(ctx.req.headers.cookie, 'idme_state')
    if (cookie !== undefined && !sameString(cookie, decoded.nonce)) {
      throw new HttpError('IDME_STATE_MISMATCH', 'state does not match the idme_state cookie')
    }
    if (pending.expiresAt <= now())
      throw new HttpError('IDME_STATE_EXPIRED', 'The verification took too long; start again')
    // The user is the token's, and must be the one who started: never one named by state.
    if (pending.userId !== user.userId || pending.appName !== ctx.appName) {
      throw new HttpError('IDME_STATE_MISMATCH', 'This verification was started by another user', {
        status: 403,
      })
    }
    const error = ctx.query.get('error')
    if (error) {
      throw error === 'access_denied'
        ? new HttpError('IDME_ACCESS_DENIED', 'The person cancelled at ID.me')
        : new HttpError('UPSTREAM_ERROR', `ID.me answered ${error}`, { status: 400, details: { error } })
    }
    const code = ctx.query.get('code')
    if (!code) throw new HttpError('VALIDATION_FAILED', 'code is required')

    const base = this.#options.upstreamBaseUrl()
    const doFetch = this.#options.fetch ?? globalThis.fetch
    const tokenRes = await upstream(() =>
      doFetch(`${base}${IDME_PATHS.token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        // client_secret_post, as the real plugin sends it.
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          client_id: config.client.clientId,
          client_secret: config.client.clientSecret,
          redirect_uri: pending.redirectUri,
          code_verifier: pending.verifier,
        }),
        signal: AbortSignal.timeout(10_000),
      }),
    )
    const tokenBody: unknown = await tokenRes.json().catch(() => undefined)
    if (!tokenRes.ok) {
      const oauth = (tokenBody as { error?: unknown } | undefined)?.error
      if (oauth === 'invalid_grant')
        throw new HttpError('IDME_INVALID_GRANT', 'ID.me refused the code (invalid_grant)')
      throw new HttpError('UPSTREAM_ERROR', `ID.me's token endpoint answered ${tokenRes.status}`)
    }
    const tokens = IdmeTokenResponseSchema.safeParse(tokenBody)
    if (!tokens.success) throw new HttpError('UPSTREAM_ERROR', "ID.me's token response is malformed")

    const attrRes = await upstream(() =>
      doFetch(`${base}${IDME_PATHS.attributes}`, {
        headers: { authorization: `Bearer ${tokens.data.access_token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      }),
    )
    const attrs = IdmeAttributesResponseSchema.safeParse(await attrRes.json().catch(() => undefined))
    if (!attrRes.ok || !attrs.success) throw new HttpError('UPSTREAM_ERROR', "ID.me's attributes API failed")
    // Nothing keeps the tokens: give the refresh token back at once.
    if (tokens.data.refresh_token) await this.#revokeUpstream(tokens.data.refresh_token)

    const attributes = Object.fromEntries(attrs.data.attributes.map((a) => [a.handle, a.value]))
    const row = this.#save(user.userId, ctx.appName, attributes, attrs.data.status, pending.groups)
    const body: IdmeCallbackResponse = {
      success: true,
      profile: attributes,
      verification: { verified: row.verified, groups: row.groups, attributes },
      sourceAccountId: ctx.appName,
      tokens: { expiresAt: new Date(now() + tokens.data.expires_in * 1000).toISOString() },
    }
    return json(body, 200, {
      'cache-control': 'no-store',
      'set-cookie': 'idme_state=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax',
    })
  }

  async #revokeUpstream(token: string): Promise<void> {
    const { config, logger } = this.#options
    try {
      await (this.#options.fetch ?? globalThis.fetch)(
        `${this.#options.upstreamBaseUrl()}${IDME_PATHS.revoke}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            token,
            token_type_hint: 'refresh_token',
            client_id: config.client.clientId,
            client_secret: config.client.clientSecret,
          }),
          signal: AbortSignal.timeout(10_000),
        },
      )
    } catch (error) {
      logger.warn({ msg: 'idme: revoking the refresh token failed', plugin: 'idme', error })
    }
  }

  #save(
    userId: string,
    appName: string,
    attributes: Record<string, string>,
    status: IdmeGroupStatus[],
    requested: readonly IdmeGroup[],
  ): IdmeVerification {
    const at = new Date(this.#options.now()).toISOString()
    const groups = verifiedGroups(status, requested)
    const row: IdmeVerification = {
      userId,
      idmeUserId: attributes.uuid ?? '',
      verified: groups.length > 0,
      groups,
      status,
      attributes,
      sourceAccountId: appName,
      verifiedAt: at,
      updatedAt: at,
    }
    this.#verifications.set(`${appName}\u0000${userId}`, row)
    return row
  }

  async #webhook(ctx: RequestContext): Promise<Reply> {
    const { config, now } = this.#options
    const raw = await readBody(ctx.req, WEBHOOK_LIMIT)
    const rejection = checkWebhookSignature(
      raw,
      ctx.req.headers[IDME_WEBHOOK_SIGNATURE_HEADER],
      config.webhookSecret,
    )
    if (rejection) {
      throw new HttpError('IDME_INVALID_SIGNATURE', `Webhook signature ${rejection}`, {
        details: { reason: rejection },
      })
    }
    let body: unknown
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw))
    } catch {
      throw new HttpError('MALFORMED_JSON', 'Webhook body is not JSON')
    }
    const parsed = IdmeWebhookEventSchema.safeParse(body)
    if (!parsed.success) {
      throw new HttpError('VALIDATION_FAILED', 'Webhook body failed validation', {
        details: parsed.error.issues,
      })
    }
    const event = parsed.data
    const at = webhookTime(event.timestamp)
    if (!Number.isFinite(at) || Math.abs(now() - at) > WEBHOOK_TOLERANCE_SECONDS * 1000) {
      throw new HttpError('IDME_INVALID_SIGNATURE', 'Webhook timestamp outside the replay window', {
        details: { reason: 'stale', toleranceSeconds: WEBHOOK_TOLERANCE_SECONDS },
      })
    }
    for (const [id, until] of this.#seenEvents) if (until <= now()) this.#seenEvents.delete(id)
    if (event.id !== undefined) {
      if (this.#seenEvents.has(event.id)) {
        throw new HttpError('IDME_INVALID_SIGNATURE', 'Webhook event already received', {
          details: { reason: 'replay' },
        })
      }
      this.#seenEvents.set(event.id, now() + 2 * WEBHOOK_TOLERANCE_SECONDS * 1000)
    }
    this.events.push({ event, receivedAt: new Date(now()).toISOString() })
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS)
    this.#apply(event)
    return json({ received: true })
  }

  /** `group.verified` / `group.revoked` with `data: { uuid, group }` update the stored rows of that person. */
  #apply(event: IdmeWebhookEvent): void {
    if (event.type !== 'group.verified' && event.type !== 'group.revoked') return
    const uuid = event.data?.uuid
    const group = typeof event.data?.group === 'string' ? normalizeIdmeGroup(event.data.group) : undefined
    if (typeof uuid !== 'string' || !group) return
    const verified = event.type === 'group.verified'
    for (const [key, row] of this.#verifications) {
      if (row.idmeUserId !== uuid) continue
      const others = row.status.filter((s) => normalizeIdmeGroup(s.group) !== group)
      const previous = row.status.find((s) => normalizeIdmeGroup(s.group) === group)
      const status = [...others, { group, subgroups: verified ? (previous?.subgroups ?? []) : [], verified }]
      const groups = verifiedGroups(status, undefined)
      this.#verifications.set(key, {
        ...row,
        status,
        groups,
        verified: groups.length > 0,
        updatedAt: new Date(this.#options.now()).toISOString(),
      })
    }
  }
}

/** The verified groups of `status` (only those requested, when given), by scope name. */
function verifiedGroups(
  status: readonly IdmeGroupStatus[],
  requested: readonly IdmeGroup[] | undefined,
): IdmeGroup[] {
  const groups = status
    .filter((s) => s.verified)
    .map((s) => normalizeIdmeGroup(s.group))
    .filter((g): g is IdmeGroup => g !== undefined && (!requested || requested.includes(g)))
  return [...new Set(groups)]
}

function decodeState(state: string): { nonce: string; sourceAccountId: string } | undefined {
  if (!state || state.length > 1000) return undefined
  try {
    const parsed = IdmeStatePayloadSchema.safeParse(
      JSON.parse(Buffer.from(state, 'base64url').toString('utf8')),
    )
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

async function upstream(call: () => Promise<Response>): Promise<Response> {
  try {
    return await call()
  } catch (error) {
    throw new HttpError('UPSTREAM_ERROR', 'ID.me is unreachable', { cause: error })
  }
}
