/**
 * extension: the job-type registry. Each type maps to the zod schema of its payload, so the
 * server validates what it enqueues and clients get typed payloads (`JobPayloads`).
 */
import * as z from 'zod/mini'
import type { BuiltinJobType } from './jobs-constants'

/** `send-email-digest`: the seeds' `scheduleJob({ type, payload: { userId, frequency } })`. */
export const SendEmailDigestPayloadSchema = z.object({
  /** Whose digest; a user token may only ask for its own. */
  userId: z.string().check(z.minLength(1), z.maxLength(200)),
  frequency: z.enum(['hourly', 'daily', 'weekly']),
})

/** `cleanup-old-messages`: the seeds' nightly cleanup (`0 2 * * *`). */
export const CleanupOldMessagesPayloadSchema = z.object({
  /** Delete messages older than this many days (default 90). */
  olderThanDays: z.optional(z.int().check(z.gte(0), z.lte(3650))),
})

/** `generate-analytics`: the seeds' nightly analytics. */
export const GenerateAnalyticsPayloadSchema = z.object({
  /** The day to aggregate (`YYYY-MM-DD`, default yesterday in UTC). */
  date: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/))),
})

/** `database-backup`: the seeds' weekly backup; writes a file to the server's data directory. */
export const DatabaseBackupPayloadSchema = z.object({
  /** A label for the file name (`[a-z0-9-]`). */
  label: z.optional(z.string().check(z.maxLength(40), z.regex(/^[a-z0-9-]*$/))),
})

/** `http-request`: calls a URL (public addresses only unless the server allows private ones). */
export const HttpRequestPayloadSchema = z.object({
  url: z.string().check(z.maxLength(2048)),
  method: z.optional(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])),
  headers: z.optional(z.record(z.string(), z.string())),
  body: z.optional(z.string().check(z.maxLength(65_536))),
  /** Fail unless the response status is 2xx (default `true`). */
  expectOk: z.optional(z.boolean()),
})

/**
 * `simulate` (the reference server's): stands in for slow or flaky work in demos and tests —
 * reports progress over `durationMs` in `steps`, and fails the first `failAttempts` attempts.
 */
export const SimulatePayloadSchema = z.object({
  durationMs: z.optional(z.int().check(z.gte(0), z.lte(600_000))),
  steps: z.optional(z.int().check(z.gte(1), z.lte(100))),
  failAttempts: z.optional(z.int().check(z.gte(0), z.lte(100))),
  error: z.optional(z.string().check(z.maxLength(500))),
})

/** The payload schema of each built-in job type. */
export const JOB_PAYLOAD_SCHEMAS = {
  'send-email-digest': SendEmailDigestPayloadSchema,
  'cleanup-old-messages': CleanupOldMessagesPayloadSchema,
  'generate-analytics': GenerateAnalyticsPayloadSchema,
  'database-backup': DatabaseBackupPayloadSchema,
  'http-request': HttpRequestPayloadSchema,
  simulate: SimulatePayloadSchema,
} as const satisfies Record<BuiltinJobType, z.ZodMiniType>

/** The payload type of each built-in job type (an app adds its own in the client's `JobTypes`). */
export type JobPayloads = { [T in BuiltinJobType]: z.infer<(typeof JOB_PAYLOAD_SCHEMAS)[T]> }
export type SendEmailDigestPayload = JobPayloads['send-email-digest']
export type HttpRequestPayload = JobPayloads['http-request']
export type SimulatePayload = JobPayloads['simulate']
