import * as z from 'zod/mini'

/** An ISO-8601 timestamp as the plugins send them (`new Date().toISOString()`). */
export const IsoDateTime = z.string()

/**
 * The claims a development or production token carries for the nself plugins (HS256 JWT).
 * The user is always the token's `userId`, never one sent in a body or query.
 */
export const TokenClaimsSchema = z.object({
  /** The signed-in user. */
  userId: z.string().check(z.minLength(1)),
  /** The session the token belongs to (the realtime plugin reads it). */
  sessionId: z.optional(z.string()),
  /** `service` lets a server act for any user (server-to-server calls). */
  role: z.optional(z.string()),
})
export type TokenClaims = z.infer<typeof TokenClaimsSchema>

/** Prometheus text exposition (`GET /metrics` on every reference server). */
export const PrometheusTextSchema = z
  .string()
  .check(z.refine((text) => /^# (HELP|TYPE) /m.test(text), 'not Prometheus text exposition'))
