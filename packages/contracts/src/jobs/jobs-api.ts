/**
 * The jobs plugin's HTTP API (port 3105): the Go rewrite's `/v1/jobs…`, `/v1/queues` and
 * `/v1/dlq…` routes exactly as `reference/WIRE.md` gives them (snake_case), plus the
 * extensions, each marked `extension`.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from '../common'
import { JOB_EVENT_TYPES, JOB_LIST_LIMITS, JOB_STATUSES } from './jobs-constants'

/** `GET /health` of the jobs plugin: exactly `{ status: "ok" }`. */
export const JobsHealthSchema = z.object({ status: z.literal('ok') })
export type JobsHealth = z.infer<typeof JobsHealthSchema>

export const JobStatusSchema = z.enum(JOB_STATUSES)

/** A queue name (`default` unless given). */
export const QueueNameSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(100), z.regex(/^[A-Za-z0-9_.:-]+$/))

/** A job type name, e.g. `send-email-digest` (extension). */
export const JobTypeNameSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(100), z.regex(/^[a-z0-9][a-z0-9_.:-]*$/))

/** Job priority: higher runs first (`priority DESC, scheduled_at ASC`). */
export const JobPrioritySchema = z.int().check(z.gte(-1_000_000), z.lte(1_000_000))

/** An idempotency key (extension). */
export const IdempotencyKeySchema = z.string().check(z.minLength(1), z.maxLength(200))

/** The real plugin's `Job`, with our extensions (optional, so the real server's jobs parse too). */
export const JobSchema = z.object({
  id: z.string(),
  queue: z.string(),
  payload: z.unknown(),
  priority: z.number(),
  status: JobStatusSchema,
  /** Attempts started so far. */
  attempts: z.number(),
  max_attempts: z.number(),
  /** When the job is (or was) due: creation, `delay_ms`/`run_at`, or the next retry. */
  scheduled_at: IsoDateTime,
  started_at: z.nullable(IsoDateTime),
  completed_at: z.nullable(IsoDateTime),
  /** The last attempt's error. */
  error: z.nullable(z.string()),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
  /** extension: the job type (`null` for a plain queue job, which only delivers its callback). */
  type: z.optional(z.nullable(z.string())),
  /** extension: 0–100, reported by the running handler. */
  progress: z.optional(z.number()),
  /** extension: what the handler returned. */
  result: z.optional(z.unknown()),
  /** extension: the key the job was created with. */
  idempotency_key: z.optional(z.nullable(z.string())),
  /** extension: the callback the job delivers to. */
  callback_url: z.optional(z.nullable(z.string())),
  /** extension: the user the job belongs to (the creating token's `userId`). */
  user_id: z.optional(z.nullable(z.string())),
  /** extension: the cron schedule that created it. */
  schedule: z.optional(z.nullable(z.string())),
  /** extension: `true` while the job sits in the dead-letter queue. */
  dead_lettered: z.optional(z.boolean()),
})
export type Job = z.infer<typeof JobSchema>

/** `POST /v1/jobs`. Defaults are the real plugin's. */
export const CreateJobSchema = z.object({
  queue: z.optional(QueueNameSchema),
  payload: z.optional(z.unknown()),
  priority: z.optional(JobPrioritySchema),
  delay_ms: z.optional(z.int().check(z.gte(0), z.lte(366 * 24 * 3600 * 1000))),
  max_attempts: z.optional(z.int().check(z.gte(1), z.lte(25))),
  callback_url: z.optional(z.string().check(z.maxLength(2048))),
  sign_payload: z.optional(z.boolean()),
  account_id: z.optional(z.string().check(z.maxLength(200))),
  /** extension: the job type, whose payload schema then applies (`JOB_PAYLOAD_SCHEMAS`). */
  type: z.optional(JobTypeNameSchema),
  /** extension: run at this time (ISO-8601) instead of `delay_ms` from now. */
  run_at: z.optional(z.iso.datetime({ offset: true })),
  /** extension: a second create with the same key (per user) returns the first job, 200. */
  idempotency_key: z.optional(IdempotencyKeySchema),
  /** extension (service tokens only): create the job for this user. */
  user_id: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
})
export type CreateJob = z.infer<typeof CreateJobSchema>

/** `GET /v1/jobs` query (strings on the wire). */
export const ListJobsQuerySchema = z.object({
  queue: z.optional(z.string()),
  status: z.optional(JobStatusSchema),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(JOB_LIST_LIMITS.max))),
  offset: z.optional(z.coerce.number().check(z.int(), z.gte(0))),
  /** extension */
  type: z.optional(z.string()),
})
export type ListJobsQuery = z.infer<typeof ListJobsQuerySchema>

/** `GET /v1/jobs` and `GET /v1/dlq`: `count` is the number of jobs in this page, as the real plugin sends it. */
export const JobListSchema = z.object({
  jobs: z.array(JobSchema),
  count: z.number(),
  limit: z.number(),
  offset: z.number(),
  /** extension: how many jobs match in all. */
  total: z.optional(z.number()),
})
export type JobList = z.infer<typeof JobListSchema>

/** `DELETE /v1/jobs/{id}`. */
export const DeletedSchema = z.object({ status: z.literal('deleted') })
export type Deleted = z.infer<typeof DeletedSchema>

/** One queue in `GET /v1/queues`. */
export const QueueStatsSchema = z.object({
  name: z.string(),
  pending: z.number(),
  active: z.number(),
  completed: z.number(),
  failed: z.number(),
  /** extension */
  cancelled: z.optional(z.number()),
})
export type QueueStats = z.infer<typeof QueueStatsSchema>

export const QueueListSchema = z.object({ queues: z.array(QueueStatsSchema), count: z.number() })
export type QueueList = z.infer<typeof QueueListSchema>

// ---------------------------------------------------------------------------------------
// extension: cron schedules

/** A five-field cron expression (`0 2 * * *`); six fields add seconds. */
export const CronExpressionSchema = z.string().check(z.minLength(9), z.maxLength(120))

/** An IANA time zone, e.g. `Europe/Berlin` (default `UTC`). */
export const TimeZoneSchema = z.string().check(z.minLength(1), z.maxLength(64))

/** extension: `POST /v1/schedules` (creates, or replaces the caller's schedule of that name). */
export const CreateScheduleSchema = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(100), z.regex(/^[A-Za-z0-9_.:-]+$/)),
  cron: CronExpressionSchema,
  timezone: z.optional(TimeZoneSchema),
  type: JobTypeNameSchema,
  payload: z.optional(z.unknown()),
  queue: z.optional(QueueNameSchema),
  priority: z.optional(JobPrioritySchema),
  max_attempts: z.optional(z.int().check(z.gte(1), z.lte(25))),
  enabled: z.optional(z.boolean()),
})
export type CreateSchedule = z.infer<typeof CreateScheduleSchema>

/** extension: a cron schedule. */
export const ScheduleSchema = z.object({
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  type: z.string(),
  payload: z.unknown(),
  queue: z.string(),
  priority: z.number(),
  max_attempts: z.number(),
  enabled: z.boolean(),
  next_run_at: z.nullable(IsoDateTime),
  last_run_at: z.nullable(IsoDateTime),
  /** The owner; `null` for the server's own schedules (the seeds' cleanup, backup, analytics). */
  user_id: z.nullable(z.string()),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
})
export type Schedule = z.infer<typeof ScheduleSchema>

/** extension: `GET /v1/schedules`. */
export const ScheduleListSchema = z.object({ schedules: z.array(ScheduleSchema), count: z.number() })
export type ScheduleList = z.infer<typeof ScheduleListSchema>

// ---------------------------------------------------------------------------------------
// extension: server-sent events

export const JobEventTypeSchema = z.enum(JOB_EVENT_TYPES)

/**
 * extension: one event of `GET /v1/jobs/{id}/events` or `GET /v1/jobs/events`
 * (`text/event-stream`): `event:` a {@link JobEventTypeSchema} name, `id:` an opaque cursor
 * (send it back as `Last-Event-ID` to replay what was missed), `data:` the whole `Job`.
 */
export const JobEventSchema = z.object({ event: JobEventTypeSchema, id: z.string(), job: JobSchema })
export type JobEvent = z.infer<typeof JobEventSchema>
