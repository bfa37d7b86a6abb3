import * as z from 'zod/mini'

/** An ISO-8601 timestamp as the plugins send them (`new Date().toISOString()`). */
export const IsoDateTime = z.string()

/** The five nself plugins this SDK speaks to. */
export const PLUGINS = ['realtime', 'notifications', 'jobs', 'files', 'idme'] as const
export type PluginName = (typeof PLUGINS)[number]

/** Default ports of the plugins, as the seeds and the real plugins use them. */
export const DEFAULT_PORTS: Record<PluginName, number> = {
  realtime: 3101,
  notifications: 3102,
  files: 3104,
  jobs: 3105,
  idme: 3010,
}

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

/**
 * The tenancy header the TypeScript plugins read (`X-App-Name`, else `?app=`, else `primary`).
 */
export const APP_NAME_HEADER = 'x-app-name'

/** Normalise an app name as the plugins do: lower-cased, chars outside `[a-z0-9_-]` become `-`. */
export function normalizeAppName(value: string | null | undefined): string {
  const v = (value ?? '').trim().toLowerCase()
  return v ? v.replace(/[^a-z0-9_-]/g, '-') : 'primary'
}

/** Prometheus text exposition (`GET /metrics` on every reference server). */
export const PrometheusTextSchema = z
  .string()
  .check(z.refine((text) => /^# (HELP|TYPE) /m.test(text), 'not Prometheus text exposition'))
