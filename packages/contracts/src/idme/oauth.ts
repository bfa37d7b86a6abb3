/**
 * ID.me's own OAuth 2.0 / OpenID Connect surface, as ID.me documents it (WIRE.md, "What ID.me
 * itself documents"): the shapes a fake ID.me serves and an OAuth client reads. snake_case,
 * exactly as on the wire.
 */
import * as z from 'zod/mini'
import { IDME_GROUP_SCOPES } from './constants'

/** A PKCE code verifier (RFC 7636): 43–128 characters of `[A-Za-z0-9-._~]`. */
export const PkceVerifierSchema = z.string().check(z.regex(/^[A-Za-z0-9\-._~]{43,128}$/))

/** An S256 code challenge: base64url of a SHA-256 digest, 43 characters. */
export const PkceChallengeSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/))

/** One of ID.me's group scopes. */
export const IdmeGroupSchema = z.enum(IDME_GROUP_SCOPES)

/** `GET /oidc/.well-known/openid-configuration` (OpenID Connect Discovery 1.0). */
export const IdmeDiscoverySchema = z.object({
  /** `https://api.id.me/oidc` (or the sandbox's, or a fake's). */
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  userinfo_endpoint: z.string(),
  jwks_uri: z.string(),
  revocation_endpoint: z.optional(z.string()),
  end_session_endpoint: z.optional(z.string()),
  scopes_supported: z.optional(z.array(z.string())),
  response_types_supported: z.array(z.string()),
  grant_types_supported: z.optional(z.array(z.string())),
  subject_types_supported: z.array(z.string()),
  id_token_signing_alg_values_supported: z.array(z.string()),
  userinfo_signing_alg_values_supported: z.optional(z.array(z.string())),
  token_endpoint_auth_methods_supported: z.optional(z.array(z.string())),
  code_challenge_methods_supported: z.optional(z.array(z.string())),
  claims_supported: z.optional(z.array(z.string())),
})
export type IdmeDiscovery = z.infer<typeof IdmeDiscoverySchema>

/** One JSON Web Key of `GET /oidc/.well-known/jwks` (public parts only). */
export const JwkSchema = z.looseObject({
  kty: z.string(),
  kid: z.optional(z.string()),
  use: z.optional(z.string()),
  alg: z.optional(z.string()),
})
/** `GET /oidc/.well-known/jwks`. */
export const IdmeJwksSchema = z.object({ keys: z.array(JwkSchema) })
export type IdmeJwks = z.infer<typeof IdmeJwksSchema>

/** The query of `GET /oauth/authorize`. */
export const IdmeAuthorizeQuerySchema = z.object({
  client_id: z.string().check(z.minLength(1)),
  redirect_uri: z.string().check(z.minLength(1)),
  response_type: z.literal('code'),
  /** Space-separated: `openid email profile military …`. */
  scope: z.string().check(z.minLength(1)),
  /** Returned untouched on the redirect. */
  state: z.optional(z.string()),
  code_challenge: z.optional(PkceChallengeSchema),
  /** Only `S256` (`plain` is refused). */
  code_challenge_method: z.optional(z.literal('S256')),
  nonce: z.optional(z.string()),
  /** OIDC `login_hint`. The fake ID.me signs in as the test identity with this email, at once. */
  login_hint: z.optional(z.string()),
  prompt: z.optional(z.string()),
})
export type IdmeAuthorizeQuery = z.infer<typeof IdmeAuthorizeQuerySchema>

/** The authorization response on the redirect URI: `code` and `state`, or an OAuth error. */
export const IdmeAuthorizeResponseSchema = z.union([
  z.object({ code: z.string().check(z.minLength(1)), state: z.optional(z.string()) }),
  z.object({
    /** `access_denied` when the person cancels; `invalid_scope`, `invalid_request` … */
    error: z.string(),
    error_description: z.optional(z.string()),
    state: z.optional(z.string()),
  }),
])
export type IdmeAuthorizeResponse = z.infer<typeof IdmeAuthorizeResponseSchema>

/**
 * `POST /oauth/token`, `application/x-www-form-urlencoded`. The client authenticates with
 * `client_secret_post` (`client_id` + `client_secret` here) or `client_secret_basic`
 * (`Authorization: Basic`), or, with PKCE, as a public client (`client_id` only).
 */
export const IdmeTokenRequestSchema = z.discriminatedUnion('grant_type', [
  z.object({
    grant_type: z.literal('authorization_code'),
    code: z.string().check(z.minLength(1)),
    redirect_uri: z.string().check(z.minLength(1)),
    code_verifier: z.optional(PkceVerifierSchema),
    client_id: z.optional(z.string()),
    client_secret: z.optional(z.string()),
  }),
  z.object({
    grant_type: z.literal('refresh_token'),
    refresh_token: z.string().check(z.minLength(1)),
    scope: z.optional(z.string()),
    client_id: z.optional(z.string()),
    client_secret: z.optional(z.string()),
  }),
])
export type IdmeTokenRequest = z.infer<typeof IdmeTokenRequestSchema>

/** A successful `POST /oauth/token` (sent with `Cache-Control: no-store`). */
export const IdmeTokenResponseSchema = z.object({
  /** Single-use: one call to the attributes or userinfo API. */
  access_token: z.string(),
  token_type: z.string(),
  /** Seconds: 300. */
  expires_in: z.number(),
  refresh_token: z.optional(z.string()),
  /** Seconds: 7 days. */
  refresh_expires_in: z.optional(z.number()),
  scope: z.optional(z.string()),
  /** With the `openid` scope: a signed ID token. */
  id_token: z.optional(z.string()),
})
export type IdmeTokenResponse = z.infer<typeof IdmeTokenResponseSchema>

/** An OAuth error body (RFC 6749 §5.2): `invalid_grant`, `invalid_client`, `invalid_request` … */
export const OAuthErrorSchema = z.object({
  error: z.string(),
  error_description: z.optional(z.string()),
})
export type OAuthError = z.infer<typeof OAuthErrorSchema>

/** `POST /oauth/revoke` (RFC 7009), form-encoded, with the same client authentication. */
export const IdmeRevokeRequestSchema = z.object({
  token: z.string().check(z.minLength(1)),
  token_type_hint: z.optional(z.enum(['access_token', 'refresh_token'])),
  client_id: z.optional(z.string()),
  client_secret: z.optional(z.string()),
})
export type IdmeRevokeRequest = z.infer<typeof IdmeRevokeRequestSchema>

/** One attribute of the attributes API: `{ handle: "fname", name: "First Name", value: "Ada" }`. */
export const IdmeAttributeSchema = z.object({ handle: z.string(), name: z.string(), value: z.string() })
export type IdmeAttribute = z.infer<typeof IdmeAttributeSchema>

/** A group's verification status: `{ group: "military", subgroups: ["veteran"], verified: true }`. */
export const IdmeGroupStatusSchema = z.object({
  /** An ID.me scope name (other values pass through). */
  group: z.string(),
  subgroups: z.array(z.string()),
  verified: z.boolean(),
})
export type IdmeGroupStatus = z.infer<typeof IdmeGroupStatusSchema>

/** `GET /api/public/v3/attributes.json` (Bearer, or `?access_token=`): the legacy attributes API. */
export const IdmeAttributesResponseSchema = z.object({
  attributes: z.array(IdmeAttributeSchema),
  status: z.array(IdmeGroupStatusSchema),
})
export type IdmeAttributesResponse = z.infer<typeof IdmeAttributesResponseSchema>

/**
 * The claims of `GET /api/public/v3/userinfo`, which answers a signed JWT
 * (`application/jwt`), not JSON. Attribute handles appear as claims.
 */
export const IdmeUserinfoClaimsSchema = z.looseObject({
  iss: z.string(),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  iat: z.optional(z.number()),
  exp: z.optional(z.number()),
  email: z.optional(z.string()),
  fname: z.optional(z.string()),
  lname: z.optional(z.string()),
  uuid: z.optional(z.string()),
  zip: z.optional(z.string()),
  /** extension: the group statuses, as the attributes API gives them. */
  status: z.optional(z.array(IdmeGroupStatusSchema)),
})
export type IdmeUserinfoClaims = z.infer<typeof IdmeUserinfoClaimsSchema>
