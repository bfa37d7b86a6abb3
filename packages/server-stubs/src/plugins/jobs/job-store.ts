import type { Job, JobEventType, JobStatus, QueueStats, Schedule } from '@nself/contracts/jobs'

/** A job as the server keeps it: the wire `Job` with every extension set, plus internals. */
export interface JobRecord extends Job {
  type: string | null
  progress: number
  result: unknown
  idempotency_key: string | null
  callback_url: string | null
  user_id: string | null
  schedule: string | null
  dead_lettered: boolean
  /** Sign the callback delivery (the real plugin's `sign_payload`, default true). */
  sign_payload: boolean
  /** The real plugin's tenancy field. */
  account_id: string
  /** Bumped by retry and revive, so each run has its own execution id (BullMQ job id). */
  run: number
}

/** The wire shape of a record (internals dropped). */
export function toWireJob(record: JobRecord): Job {
  const { sign_payload: _s, account_id: _a, run: _r, ...job } = record
  return job
}

/** One stored event of the job streams. */
export interface StoredEvent {
  /** Opaque, increasing cursor (`Last-Event-ID`). */
  id: string
  event: JobEventType
  job: JobRecord
}

/** Which jobs a listing wants. */
export interface JobFilter {
  /** Only this user's jobs (`undefined`: everybody's — service tokens). */
  owner?: string | undefined
  queue?: string | undefined
  status?: JobStatus | undefined
  type?: string | undefined
  /** Only jobs in the dead-letter queue. */
  deadLettered?: boolean
}

/** A schedule as stored: the wire `Schedule`. Its key is `owner/name` (owner `-` for the server's own). */
export type ScheduleRecord = Schedule

/** The key of a schedule. */
export function scheduleKey(owner: string | null, name: string): string {
  return `${owner ?? '-'}/${name}`
}

/**
 * Where jobs, their events and the schedules live: in memory, or in Redis (shared by every
 * process of the BullMQ backend). Every method is safe to call concurrently.
 */
export interface JobStore {
  /**
   * Stores a new job. With `idempotencyKey` (already scoped to the owner), a second insert
   * with the same key returns the first job and `created: false`.
   */
  insert(record: JobRecord, idempotencyKey?: string): Promise<{ record: JobRecord; created: boolean }>
  get(id: string): Promise<JobRecord | undefined>
  /**
   * Read-modify-write of one job: `change` gets the current record and returns the next one,
   * or `undefined` to leave it. Resolves the record as it is afterwards (`undefined`: no job).
   * `changed` says whether this call wrote it.
   */
  update(
    id: string,
    change: (current: JobRecord) => JobRecord | undefined,
  ): Promise<{ record: JobRecord; changed: boolean } | undefined>
  remove(id: string): Promise<boolean>
  /** Newest first. */
  list(filter: JobFilter, limit: number, offset: number): Promise<{ jobs: JobRecord[]; total: number }>
  /** Every job (backups, analytics, cleanup); newest first. */
  all(): Promise<JobRecord[]>
  queues(owner?: string): Promise<QueueStats[]>

  /** Appends an event; resolves its id. */
  publish(event: StoredEvent['event'], job: JobRecord): Promise<string>
  /** Events after `id`, oldest first; `undefined` when `id` is unknown or no longer kept. */
  eventsSince(id: string): Promise<StoredEvent[] | undefined>
  /** The id of the newest event, if any. */
  lastEventId(): Promise<string | undefined>
  /** Calls `listener` for every event published by any process, in order. */
  subscribe(listener: (event: StoredEvent) => void): () => void

  listSchedules(): Promise<ScheduleRecord[]>
  getSchedule(key: string): Promise<ScheduleRecord | undefined>
  putSchedule(key: string, schedule: ScheduleRecord): Promise<void>
  deleteSchedule(key: string): Promise<boolean>
  /** `true` for exactly one caller per (schedule, fire time), across processes. */
  claimFire(key: string, fireAt: number): Promise<boolean>

  close(): Promise<void>
}
