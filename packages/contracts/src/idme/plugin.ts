/**
 * The idme plugin's HTTP API (port 3010), as `reference/WIRE.md` gives it, reshaped only where
 * safety requires: no OAuth token in any response, the user always from the Bearer token.
 * Plus the status shape of `@nself/idme-client/server`'s route handlers. Additions are marked
 * `extension`.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from '../common'
import { IDME_WEBHOOK_EVENT_TYPES } from './constants'
import { IdmeGroupSchema, IdmeGroupStatusSchema } from './oauth'

/** `GET /health` of the idme plugin. */
export const IdmeHealthSchema = z.object({ status: z.literal('ok'), service: z.literal('idme-plugin') })
export type IdmeHealth = z.infer<typeof IdmeHealthSchema>

/**
 * The query of `GET /auth/idme`. Bearer required (stub): the verification will belong to the
 * token's user. All fields are extensions (the real plugin reads `IDME_SCOPES` only).
 */
export const IdmeAuthStartQuerySchema = z.object({
  /** extension: group scopes to verify, comma- or space-separated; aliases accepted. Default `IDME_SCOPES`. */
  groups: z.optional(z.string()),
  /** extension: one of the registered redirect URIs (default: the first). */
  redirect_uri: z.optional(z.string()),
})
export type IdmeAuthStartQuery = z.infer<typeof IdmeAuthStartQuerySchema>

/** extension: `GET /auth/idme` with `Accept: application/json` answers the authorize URL instead of a 302. */
export const IdmeAuthStartResponseSchema = z.object({ url: z.string() })
export type IdmeAuthStartResponse = z.infer<typeof IdmeAuthStartResponseSchema>

/** The query of `GET /callback/idme` (ID.me's authorization response, forwarded). */
export const IdmeCallbackQuerySchema = z.object({
  code: z.optional(z.string()),
  state: z.optional(z.string()),
  error: z.optional(z.string()),
  error_description: z.optional(z.string()),
})
export type IdmeCallbackQuery = z.infer<typeof IdmeCallbackQuerySchema>

/** The `state` the plugin sends to ID.me: base64url JSON of this. */
export const IdmeStatePayloadSchema = z.object({ nonce: z.string(), sourceAccountId: z.string() })
export type IdmeStatePayload = z.infer<typeof IdmeStatePayloadSchema>

/** A verification's core: verified or not, which groups, and the attributes ID.me released. */
export const IdmeVerificationSummarySchema = z.object({
  /** At least one requested group is verified. */
  verified: z.boolean(),
  /** The verified groups, by ID.me scope name. */
  groups: z.array(IdmeGroupSchema),
  /** Attribute handle → value (`fname`, `lname`, `email`, `uuid`, `zip`, `military_branch` …). */
  attributes: z.record(z.string(), z.string()),
})
export type IdmeVerificationSummary = z.infer<typeof IdmeVerificationSummarySchema>

/**
 * `GET /callback/idme` → 200. The real plugin's shape; `tokens` keeps only `expiresAt`
 * (the real plugin also returns nothing more there, but stores the tokens in the row).
 */
export const IdmeCallbackResponseSchema = z.object({
  success: z.literal(true),
  /** The person's attributes by handle. */
  profile: z.record(z.string(), z.string()),
  verification: IdmeVerificationSummarySchema,
  sourceAccountId: z.string(),
  tokens: z.object({ expiresAt: IsoDateTime }),
})
export type IdmeCallbackResponse = z.infer<typeof IdmeCallbackResponseSchema>

/**
 * `GET /api/verifications/me` (extension) and `GET /api/verifications/:userId` (service tokens,
 * or the user themself): the stored verification. Unlike the real plugin's row it carries no
 * OAuth token.
 */
export const IdmeVerificationSchema = z.object({
  /** The app user the verification belongs to (from the Bearer token at `/auth/idme`). */
  userId: z.string(),
  /** ID.me's own id of the person (the `uuid` attribute / `sub`). */
  idmeUserId: z.string(),
  verified: z.boolean(),
  groups: z.array(IdmeGroupSchema),
  /** Per group, as ID.me reports it (with subgroups such as `veteran`). */
  status: z.array(IdmeGroupStatusSchema),
  attributes: z.record(z.string(), z.string()),
  sourceAccountId: z.string(),
  verifiedAt: IsoDateTime,
  updatedAt: IsoDateTime,
})
export type IdmeVerification = z.infer<typeof IdmeVerificationSchema>

/**
 * `POST /webhook/idme`. The signature header is the hex HMAC-SHA256 of the raw body.
 * extension (stub): `timestamp` is required and must be within the replay window (5 minutes),
 * and an `id` seen before is refused as a replay.
 */
export const IdmeWebhookEventSchema = z.object({
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  type: z.enum(IDME_WEBHOOK_EVENT_TYPES),
  /** ISO-8601, or seconds since the epoch. */
  timestamp: z.union([IsoDateTime, z.number()]),
  data: z.optional(z.record(z.string(), z.unknown())),
})
export type IdmeWebhookEvent = z.infer<typeof IdmeWebhookEventSchema>

/** `POST /webhook/idme` → 200. */
export const IdmeWebhookAckSchema = z.object({ received: z.literal(true) })
export type IdmeWebhookAck = z.infer<typeof IdmeWebhookAckSchema>

/**
 * extension: what `@nself/idme-client/server`'s `status` and `revoke` routes answer for the
 * signed-in user. No token, no attributes: only what a badge needs.
 */
export const IdmeStatusSchema = z.object({
  verified: z.boolean(),
  groups: z.array(IdmeGroupSchema),
  status: z.array(IdmeGroupStatusSchema),
  verifiedAt: z.nullable(IsoDateTime),
})
export type IdmeStatus = z.infer<typeof IdmeStatusSchema>
