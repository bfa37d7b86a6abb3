import type { IdmeHealth } from '@nself/contracts/idme'
import { IDME_ENV } from '@nself/contracts/idme'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'
import { type IdmeConfig, type IdmeOAuthClient, resolveIdmeConfig } from './config'
import { FakeIdme } from './fake-idme'
import { IdmePluginApi } from './plugin-api'

/** Options of {@link createIdmeServer}. */
export interface IdmeServerOptions extends StubServerOptions {
  /** More OAuth clients for the fake ID.me, besides the one from `IDME_CLIENT_*`. */
  clients?: IdmeOAuthClient[]
  /** The clock in ms (tests move it to expire codes, tokens, state and webhooks). Default `Date.now`. */
  now?: () => number
  /** Base URL of the fake's issuer and endpoints. Default: from each request's `Host`. */
  publicUrl?: string
  /** Signing algorithm of ID tokens and userinfo (default `RS256`). */
  signingAlg?: 'RS256' | 'ES256'
}

/** A running idme server: the fake ID.me and the plugin API on one port. */
export interface IdmeServer extends StubServer<'idme'> {
  /** The fake ID.me (clients, token state). */
  readonly fakeIdme: FakeIdme
  /** The plugin API (stored verifications, webhook events). */
  readonly idme: IdmePluginApi
  /** The resolved configuration (client, webhook secret, upstream). */
  readonly idmeConfig: IdmeConfig
  /** Where the plugin API sends its OAuth calls: this server (the fake) unless `IDME_UPSTREAM` says otherwise. */
  readonly upstreamBaseUrl: string
}

/**
 * Starts the idme plugin on one port, both sides of the flow:
 * - a **fake ID.me** at ID.me's documented paths (`/oidc/.well-known/openid-configuration`,
 *   `/oidc/.well-known/jwks`, `/oauth/authorize`, `/oauth/token`, `/oauth/revoke`,
 *   `/oauth/logout`, `/api/public/v3/attributes.json`, `/api/public/v3/userinfo`);
 * - the **idme plugin API**: `/auth/idme`, `/callback/idme`, `/webhook/idme`,
 *   `/api/verifications/me` and `/api/verifications/:userId`; `GET /health`
 *   (`{ status: "ok", service: "idme-plugin" }`), `GET /metrics`.
 *
 * The OAuth client comes from `IDME_CLIENT_ID`, `IDME_CLIENT_SECRET`, `IDME_REDIRECT_URI`
 * (comma-separated); unset ones fall back to a public development client, logged at start.
 */
export async function createIdmeServer(options: IdmeServerOptions = {}): Promise<IdmeServer> {
  const now = options.now ?? Date.now
  let selfUrl = ''
  let parts: { fake: FakeIdme; api: IdmePluginApi; config: IdmeConfig } | undefined
  const server = await createPluginServer('idme', options, (ctx) => {
    const config = resolveIdmeConfig(ctx.env)
    const fake = new FakeIdme({
      clients: [config.client, ...(options.clients ?? [])],
      now,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.signingAlg ? { alg: options.signingAlg } : {}),
    })
    const api = new IdmePluginApi({
      config,
      logger: ctx.logger,
      now,
      upstreamBaseUrl: () => (config.upstream.kind === 'fake' ? selfUrl : config.upstream.baseUrl),
    })
    fake.register(ctx.router)
    api.register(ctx.router)
    ctx.metrics.gauge(
      'nself_idme_live_tokens',
      'Live access and refresh tokens of the fake ID.me.',
      () => fake.liveTokens,
    )
    ctx.metrics.counter(
      'nself_idme_webhook_events_total',
      'Webhook events accepted since start.',
      () => api.events.length,
    )
    if (config.devDefaults.length > 0) {
      ctx.logger.warn({
        msg: `idme: ${config.devDefaults.map((d) => d).join(', ')} not configured; using the public development defaults (set ${IDME_ENV.clientId}, ${IDME_ENV.clientSecret}, ${IDME_ENV.redirectUri}, ${IDME_ENV.webhookSecret})`,
        plugin: 'idme',
        client_id: config.client.clientId,
        client_secret: config.client.clientSecret,
        redirect_uris: config.client.redirectUris,
        webhook_secret: config.webhookSecret,
      })
    }
    parts = { fake, api, config }
    return {
      health: (): IdmeHealth => ({ status: 'ok', service: 'idme-plugin' }),
      extra: {},
    }
  })
  if (!parts) throw new Error('idme: setup did not run')
  selfUrl = server.url
  parts.fake.serverUrl = server.url
  const { fake, api, config } = parts
  return Object.assign(server, {
    fakeIdme: fake,
    idme: api,
    idmeConfig: config,
    upstreamBaseUrl: config.upstream.kind === 'fake' ? server.url : config.upstream.baseUrl,
  })
}
