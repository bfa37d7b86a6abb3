import {
  IDME_DEV_CLIENT,
  IDME_ENV,
  IDME_GROUP_SCOPES,
  IDME_HOSTS,
  type IdmeGroup,
  normalizeIdmeGroup,
} from '@nself/contracts/idme'
import { readEnv, readEnvFlag } from '../../plugin-env'

/** An OAuth client registered with the fake ID.me. */
export interface IdmeOAuthClient {
  clientId: string
  clientSecret: string
  /** Registered redirect URIs; `redirect_uri` must equal one of them exactly. */
  redirectUris: string[]
}

/** Where the plugin API sends its OAuth calls. */
export type IdmeUpstream = { kind: 'fake' } | { kind: 'url'; baseUrl: string }

/** The idme stub's resolved configuration. */
export interface IdmeConfig {
  /** The client from `IDME_CLIENT_ID` / `IDME_CLIENT_SECRET` / `IDME_REDIRECT_URI`. */
  client: IdmeOAuthClient
  /** Which parts of the client fell back to the public development defaults. */
  devDefaults: Array<'clientId' | 'clientSecret' | 'redirectUris' | 'webhookSecret'>
  /** `IDME_WEBHOOK_SECRET`. */
  webhookSecret: string
  /** `IDME_SCOPES` without `openid email profile`: the groups `/auth/idme` asks for by default. */
  defaultGroups: IdmeGroup[]
  /** `IDME_UPSTREAM` / `IDME_SANDBOX`. */
  upstream: IdmeUpstream
}

/**
 * Reads the idme configuration from `env`. Unset client variables fall back to the public
 * development client ({@link IDME_DEV_CLIENT}), which is refused under `NODE_ENV=production`.
 *
 * `IDME_UPSTREAM`: `fake` (default) — the plugin API talks to this server's own fake ID.me;
 * `idme` — the real ID.me, `https://api.id.me`, or `https://api.idmelabs.com` with
 * `IDME_SANDBOX=true`; or any base URL.
 */
export function resolveIdmeConfig(env: Record<string, string | undefined>): IdmeConfig {
  const devDefaults: IdmeConfig['devDefaults'] = []
  const pick = <T>(value: T | undefined, fallback: T, name: IdmeConfig['devDefaults'][number]): T => {
    if (value !== undefined) return value
    devDefaults.push(name)
    return fallback
  }
  const redirectRaw = readEnv(env, IDME_ENV.redirectUri)
  const redirectUris = redirectRaw
    ?.split(',')
    .map((u) => u.trim())
    .filter(Boolean)
  for (const uri of redirectUris ?? []) {
    try {
      new URL(uri)
    } catch {
      throw new Error(`${IDME_ENV.redirectUri}: not an absolute URL: ${uri}`)
    }
  }
  const client: IdmeOAuthClient = {
    clientId: pick(readEnv(env, IDME_ENV.clientId), IDME_DEV_CLIENT.clientId, 'clientId'),
    clientSecret: pick(readEnv(env, IDME_ENV.clientSecret), IDME_DEV_CLIENT.clientSecret, 'clientSecret'),
    redirectUris: pick(
      redirectUris?.length ? redirectUris : undefined,
      [...IDME_DEV_CLIENT.redirectUris],
      'redirectUris',
    ),
  }
  const webhookSecret = pick(
    readEnv(env, IDME_ENV.webhookSecret),
    IDME_DEV_CLIENT.webhookSecret,
    'webhookSecret',
  )
  if (env.NODE_ENV === 'production' && devDefaults.length > 0) {
    throw new Error(
      `idme: NODE_ENV=production needs ${devDefaults
        .map(
          (d) =>
            ({
              clientId: 'IDME_CLIENT_ID',
              clientSecret: 'IDME_CLIENT_SECRET',
              redirectUris: 'IDME_REDIRECT_URI',
              webhookSecret: 'IDME_WEBHOOK_SECRET',
            })[d],
        )
        .join(', ')}`,
    )
  }
  const scopes = (readEnv(env, IDME_ENV.scopes) ?? '')
    .split(/[\s,]+/)
    .map(normalizeIdmeGroup)
    .filter((g): g is IdmeGroup => g !== undefined)
  return {
    client,
    devDefaults,
    webhookSecret,
    defaultGroups: scopes.length > 0 ? [...new Set(scopes)] : [...IDME_GROUP_SCOPES],
    upstream: resolveUpstream(env),
  }
}

function resolveUpstream(env: Record<string, string | undefined>): IdmeUpstream {
  const value = readEnv(env, IDME_ENV.upstream) ?? 'fake'
  if (value === 'fake') return { kind: 'fake' }
  if (value === 'idme') {
    return {
      kind: 'url',
      baseUrl: readEnvFlag(env, IDME_ENV.sandbox) ? IDME_HOSTS.sandbox : IDME_HOSTS.production,
    }
  }
  try {
    return { kind: 'url', baseUrl: new URL(value).href.replace(/\/+$/, '') }
  } catch {
    throw new Error(`${IDME_ENV.upstream} must be "fake", "idme" or a URL, got ${value}`)
  }
}
