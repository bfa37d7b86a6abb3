// Plain data, no zod: the idme client imports these in production and pays no schema for them
// (see ../constants.ts). What ID.me itself documents, and the few names of our own, each marked.

/**
 * ID.me's community-verification scopes, as ID.me documents them (`military` covers active
 * duty, veterans, retirees, spouses and family). A scope that is not enabled on the app makes
 * ID.me answer `invalid_scope`. (ID.me also has `_canada` variants, not listed here.)
 */
export const IDME_GROUP_SCOPES = [
  'military',
  'responder',
  'student',
  'teacher',
  'government',
  'employee',
  'hospital_employee',
  'nurse',
  'medical',
  'alumni',
] as const
/** One of ID.me's {@link IDME_GROUP_SCOPES}. */
export type IdmeGroup = (typeof IDME_GROUP_SCOPES)[number]

/**
 * The real nself plugin's own group names, accepted as aliases of ID.me's scopes (ID.me has no
 * `veteran` or `first_responder` scope).
 */
export const IDME_GROUP_ALIASES = { veteran: 'military', first_responder: 'responder' } as const
/** A group name as accepted on input: an ID.me scope or one of the plugin's aliases. */
export type IdmeGroupInput = IdmeGroup | keyof typeof IDME_GROUP_ALIASES

/** The scope for `name` (an ID.me scope or a plugin alias, any case), or `undefined`. */
export function normalizeIdmeGroup(name: string): IdmeGroup | undefined {
  const key = name.trim().toLowerCase()
  const alias = (IDME_GROUP_ALIASES as Record<string, IdmeGroup>)[key]
  if (alias) return alias
  return (IDME_GROUP_SCOPES as readonly string[]).includes(key) ? (key as IdmeGroup) : undefined
}

/** Human labels of the groups, for badges and buttons. extension */
export const IDME_GROUP_LABELS: Record<IdmeGroup, string> = {
  military: 'Military',
  responder: 'First responder',
  student: 'Student',
  teacher: 'Teacher',
  government: 'Government',
  employee: 'Employee',
  hospital_employee: 'Hospital employee',
  nurse: 'Nurse',
  medical: 'Medical provider',
  alumni: 'Alumni',
}

/** OIDC scopes requested besides the group scopes (the real plugin's default `openid email profile`). */
export const IDME_DEFAULT_SCOPES = ['openid', 'email', 'profile'] as const

/** ID.me's hosts: production, and the sandbox `IDME_SANDBOX=true` switches to. */
export const IDME_HOSTS = {
  production: 'https://api.id.me',
  sandbox: 'https://api.idmelabs.com',
} as const

/** ID.me's documented paths, relative to its host (or to a fake ID.me's base URL). */
export const IDME_PATHS = {
  discovery: '/oidc/.well-known/openid-configuration',
  jwks: '/oidc/.well-known/jwks',
  authorize: '/oauth/authorize',
  token: '/oauth/token',
  revoke: '/oauth/revoke',
  logout: '/oauth/logout',
  userinfo: '/api/public/v3/userinfo',
  attributes: '/api/public/v3/attributes.json',
} as const

/** The issuer path below the host (`https://api.id.me/oidc`). */
export const IDME_ISSUER_PATH = '/oidc'

// 604 800 = 7 × 24 × 3600, written as a literal: esbuild keeps an unused object whose values are
// arithmetic, so the product would ship in every client that imports any idme constant.
/** Token lifetimes ID.me documents, in seconds: access tokens 5 minutes, refresh tokens 7 days. */
export const IDME_TOKEN_LIFETIMES = { accessToken: 300, refreshToken: 604_800 } as const

/** The idme plugin's routes (the real plugin's paths; `/api/verifications/me` is our extension). */
export const IDME_PLUGIN_ROUTES = {
  auth: '/auth/idme',
  callback: '/callback/idme',
  webhook: '/webhook/idme',
  /** extension: the caller's own verification. */
  myVerification: '/api/verifications/me',
  /** Another user's verification: service tokens only in the stub. */
  verification: '/api/verifications/:userId',
} as const

/** The webhook signature header: hex HMAC-SHA256 of the raw JSON body with `IDME_WEBHOOK_SECRET`. */
export const IDME_WEBHOOK_SIGNATURE_HEADER = 'x-idme-signature'

/** Webhook event types the real plugin handles. */
export const IDME_WEBHOOK_EVENT_TYPES = [
  'verification.created',
  'verification.updated',
  'verification.completed',
  'verification.failed',
  'group.verified',
  'group.revoked',
  'attribute.updated',
] as const
export type IdmeWebhookEventType = (typeof IDME_WEBHOOK_EVENT_TYPES)[number]

/** The plugin's environment variables (the real plugin's names; the last three are ours). */
export const IDME_ENV = {
  clientId: 'IDME_CLIENT_ID',
  clientSecret: 'IDME_CLIENT_SECRET',
  /** Comma-separated: every URI listed is registered (exact match). */
  redirectUri: 'IDME_REDIRECT_URI',
  scopes: 'IDME_SCOPES',
  sandbox: 'IDME_SANDBOX',
  webhookSecret: 'IDME_WEBHOOK_SECRET',
  /** extension: where the OAuth side lives (a URL; route handlers default to the local stub in development). */
  baseUrl: 'IDME_BASE_URL',
  /** extension: the HMAC key of the route handlers' state cookie (default: derived from the client secret). */
  stateSecret: 'IDME_STATE_SECRET',
  /** extension (stub only): `fake` (default, the stub's own fake ID.me), `idme` (the real one), or a URL. */
  upstream: 'IDME_UPSTREAM',
} as const

/**
 * The public development OAuth client the stub registers when `IDME_CLIENT_ID` /
 * `IDME_CLIENT_SECRET` / `IDME_REDIRECT_URI` are unset, and that the route handlers use
 * outside production. Anyone can read it here: for local development only. extension
 */
export const IDME_DEV_CLIENT = {
  clientId: 'nself-dev-idme-client',
  clientSecret: 'nself-dev-idme-secret-do-not-use-in-production',
  redirectUris: ['http://localhost:3000/api/idme/callback', 'http://127.0.0.1:3000/api/idme/callback'],
  webhookSecret: 'nself-dev-idme-webhook-secret',
} as const

/**
 * The result the route handlers put on the return URL: `?idme=verified`, or
 * `?idme=error&code=<result>`. Each result value maps 1:1 to the {@link ErrorCode} the SDK
 * reports it as (`NselfError.code`). The lowercase values are OAuth's own where one exists
 * (`access_denied`, `invalid_grant`). extension
 */
export const IDME_RESULT_ERRORS = {
  access_denied: 'IDME_ACCESS_DENIED',
  state_mismatch: 'IDME_STATE_MISMATCH',
  state_expired: 'IDME_STATE_EXPIRED',
  invalid_grant: 'IDME_INVALID_GRANT',
  not_configured: 'NOT_CONFIGURED',
  upstream_error: 'UPSTREAM_ERROR',
  unauthenticated: 'UNAUTHENTICATED',
} as const
/** A `code` value of `?idme=error&code=…`. */
export type IdmeResultError = keyof typeof IDME_RESULT_ERRORS
