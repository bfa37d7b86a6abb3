import type { Logger } from '../../http/logger'
import type { SafeParser } from '../../http/request-context'
import type { JobRecord } from './job-store'

/** What a job handler gets for one attempt. */
export interface JobHandlerContext<P = unknown> {
  /** The job as it was when the attempt started. */
  readonly job: JobRecord
  /** The payload, validated by the type's schema. */
  readonly payload: P
  /** 1-based attempt number. */
  readonly attempt: number
  /** Aborted when the job is cancelled (or the server stops): stop work and reject. */
  readonly signal: AbortSignal
  /** Reports progress, 0–100 (pushed to watchers as `job.progress`). */
  progress(percent: number): Promise<void>
  readonly logger: Logger
}

/** A job type: its payload schema and its handler. The handler's return value is the job's `result`. */
export interface JobTypeDefinition<P = unknown> {
  schema?: SafeParser<P>
  handler(ctx: JobHandlerContext<P>): Promise<unknown>
}

/** Job types by name. */
export type JobTypeRegistry = Record<string, JobTypeDefinition<never>>
