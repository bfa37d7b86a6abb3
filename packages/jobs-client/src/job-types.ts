import type { JobPayloads, JobStatus } from '@nself/contracts/jobs'

export type { JobEventType, JobStatus } from '@nself/contracts/jobs'

/**
 * The payload of each job type. Built-in types are listed; an app adds its own by declaration
 * merging, and `enqueue`/`scheduleJob` then type-check their payloads:
 *
 * ```ts
 * declare module '@nself/jobs-client' {
 *   interface JobTypes { 'resize-image': { fileId: string; width: number } }
 * }
 * ```
 */
export interface JobTypes extends JobPayloads {}

/** A job type name known to {@link JobTypes}. */
export type JobTypeName = keyof JobTypes & string

/** A background job, as the SDK gives it (camelCase, dates as `Date`). */
export interface Job<P = unknown> {
  id: string
  queue: string
  /** The job type; `null` for a plain queue job. */
  type: string | null
  payload: P
  /** Higher runs first. */
  priority: number
  status: JobStatus
  /** Attempts started so far. */
  attempts: number
  maxAttempts: number
  /** When it is (or was) due: creation, `runAt`, or the next retry. */
  scheduledAt: Date
  startedAt: Date | null
  completedAt: Date | null
  /** The last attempt's error. */
  error: string | null
  createdAt: Date
  updatedAt: Date
  /** 0–100 (0 when the server reports none). */
  progress: number
  /** What the handler returned (`null` until completed). */
  result: unknown
  idempotencyKey: string | null
  /** The owner (the creating token's user). */
  userId: string | null
  /** The cron schedule that created it. */
  schedule: string | null
  /** In the dead-letter queue. */
  deadLettered: boolean
}

/** What {@link JobQueueService.enqueue} takes for a typed job. */
export interface EnqueueInput<T extends JobTypeName = JobTypeName> {
  type: T
  payload: JobTypes[T]
  /** Run at this time (the seeds' `runAt`). */
  runAt?: Date
  /** Or run this many ms from now. */
  delayMs?: number
  /** Default `default`. */
  queue?: string
  /** Higher runs first (default 0). */
  priority?: number
  /** Attempts before the job is dead-lettered (server default 3). */
  maxAttempts?: number
  /** A URL the server POSTs to when the job is done (signed with `X-Webhook-Signature`). */
  callbackUrl?: string
  /** Sign the callback (default `true`). */
  signPayload?: boolean
  /** A second enqueue with the same key returns the first job instead of creating one. */
  idempotencyKey?: string
  /** Service tokens only: the user the job belongs to. */
  userId?: string
}

/** A plain queue job (no type): it delivers `payload` to `callbackUrl`, as the real plugin does. */
export interface QueueJobInput extends Omit<EnqueueInput, 'type' | 'payload'> {
  type?: undefined
  payload?: unknown
}

/** Filter of {@link JobQueueService.list}. */
export interface JobFilter {
  queue?: string
  status?: JobStatus
  type?: string
  /** Default 50, at most 1000. */
  limit?: number
  offset?: number
}

/** A page of jobs. */
export interface JobPage {
  jobs: Job[]
  /** Jobs matching the filter in all (when the server says). */
  total: number | undefined
  limit: number
  offset: number
}

/** Counts per queue. */
export interface QueueCounts {
  name: string
  pending: number
  active: number
  completed: number
  failed: number
  cancelled: number
}

/** A cron schedule. */
export interface Schedule<P = unknown> {
  name: string
  /** Five fields (`0 2 * * *`), six with seconds. */
  cron: string
  /** IANA time zone. */
  timezone: string
  type: string
  payload: P
  queue: string
  priority: number
  maxAttempts: number
  enabled: boolean
  nextRunAt: Date | null
  lastRunAt: Date | null
  /** `null` for the server's own schedules. */
  userId: string | null
}

/** What {@link JobQueueService.createSchedule} takes. */
export interface ScheduleInput<T extends JobTypeName = JobTypeName> {
  name: string
  cron: string
  /** Default `UTC`. */
  timezone?: string
  type: T
  payload: JobTypes[T]
  queue?: string
  priority?: number
  maxAttempts?: number
  enabled?: boolean
}
