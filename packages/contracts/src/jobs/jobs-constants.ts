// Plain data, no zod (see ../constants.ts): the jobs client imports these in production.

/**
 * Job states on the wire. The real plugin's four, plus `cancelled` (extension: the real
 * plugin reserves it but never sets it).
 */
export const JOB_STATUSES = ['pending', 'active', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** States a job never leaves by itself (a `failed` one may still be retried or revived). */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled']

/**
 * The built-in job types of the reference server: the seeds' scheduled tasks, `http-request`,
 * and `simulate` (slow or flaky work on demand, for demos and tests).
 */
export const BUILTIN_JOB_TYPES = [
  'send-email-digest',
  'cleanup-old-messages',
  'generate-analytics',
  'database-backup',
  'http-request',
  'simulate',
] as const
export type BuiltinJobType = (typeof BUILTIN_JOB_TYPES)[number]

/** Job types a user token may enqueue unless `JOBS_CLIENT_TYPES` says otherwise (the seeds' one). */
export const DEFAULT_CLIENT_JOB_TYPES: readonly string[] = ['send-email-digest']

/**
 * Retry backoff by attempt, as the real plugin waits after the 1st, 2nd, 3rd … failure:
 * 2 s, 8 s, 30 s, 2 min, then 5 min for every later one.
 */
export const JOB_BACKOFF_MS = [2_000, 8_000, 30_000, 120_000, 300_000] as const

/** The wait after failed attempt number `attempt` (1-based), in ms, before the time scale. */
export function jobBackoffMs(attempt: number): number {
  const index = Math.min(Math.max(attempt, 1), JOB_BACKOFF_MS.length) - 1
  return JOB_BACKOFF_MS[index] as number
}

/** Server-sent event names of the job streams (extension). `data` is always the whole `Job`. */
export const JOB_EVENT_TYPES = [
  /** The first event of a per-job stream without `Last-Event-ID`: the job as it is now. */
  'job.snapshot',
  'job.created',
  'job.active',
  'job.progress',
  /** A failed attempt with attempts left: back to `pending` with a later `scheduled_at`. */
  'job.retrying',
  'job.completed',
  /** The last attempt failed: the job is `failed` and in the dead-letter queue. */
  'job.failed',
  'job.cancelled',
  /** `retry` or `revive`: the job is `pending` again with its attempts reset. */
  'job.requeued',
  'job.deleted',
] as const
export type JobEventType = (typeof JOB_EVENT_TYPES)[number]

/** Limits of the list endpoints, as the real plugin applies them. */
export const JOB_LIST_LIMITS = { default: 50, max: 1000, dlqMax: 500 } as const

/** The jobs plugin's environment variables (the seeds' names first, then the stub's). */
export const JOBS_ENV = {
  port: 'JOBS_PORT',
  concurrency: 'JOBS_CONCURRENCY',
  maxRetries: 'JOBS_MAX_RETRIES',
  cleanupEnabled: 'JOBS_CLEANUP_OLD_MESSAGES_ENABLED',
  cleanupSchedule: 'JOBS_CLEANUP_OLD_MESSAGES_SCHEDULE',
  redisUrl: 'REDIS_URL',
  clientTypes: 'JOBS_CLIENT_TYPES',
  allowPrivateCallbacks: 'JOBS_ALLOW_PRIVATE_CALLBACKS',
  webhookSecret: 'JOBS_WEBHOOK_SECRET',
} as const

/** Header names of a callback delivery (the real plugin's). */
export const JOB_CALLBACK_HEADERS = {
  jobId: 'x-job-id',
  queue: 'x-job-queue',
  attempt: 'x-job-attempt',
  signature: 'x-webhook-signature',
  signatureVersion: 'x-webhook-signature-version',
} as const
