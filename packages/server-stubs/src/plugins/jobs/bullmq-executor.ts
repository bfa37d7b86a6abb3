import { type Job as BullJob, Queue, UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import type { Clock } from '../../clock'
import type { Logger } from '../../http/logger'
import type { JobEngine, JobExecutor } from './job-engine'
import type { JobRecord } from './job-store'

/** Settings of {@link BullmqExecutor}. */
export interface BullmqExecutorOptions {
  redisUrl: string
  /** Key prefix shared by every process of one deployment. */
  prefix: string
  concurrency: number
  /** How long a worker's lock on a running job lasts; a dead worker's jobs are taken over after it. */
  lockDurationMs: number
  logger: Logger
  clock: Clock
}

/** The one BullMQ queue every job runs through (its `queue` is a field of the job). */
export const BULLMQ_QUEUE_NAME = 'jobs'

/** BullMQ: 1 is the highest priority; ours is "higher runs first" around 0. */
export function bullPriority(priority: number): number {
  return Math.min(2_097_151, Math.max(1, 1_000_001 - priority))
}

interface RetryError extends Error {
  retryDelay?: number
}

/**
 * Runs jobs on BullMQ: durable in Redis, shared by the workers of every process with the same
 * prefix. A job whose process dies is handed to another worker once its lock expires
 * (BullMQ's stalled-job check), and the engine counts that as an attempt. Retries use the
 * real plugin's backoff (computed by the engine, applied by BullMQ).
 */
export class BullmqExecutor implements JobExecutor {
  readonly queue: Queue
  #worker: Worker | undefined
  readonly #engine: JobEngine
  readonly #options: BullmqExecutorOptions
  readonly #connection: Redis
  readonly #publisher: Redis
  readonly #subscriber: Redis
  readonly #channel: string
  #closed = false

  constructor(engine: JobEngine, options: BullmqExecutorOptions) {
    this.#engine = engine
    this.#options = options
    this.#connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null })
    this.#publisher = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 })
    this.#subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null })
    for (const client of [this.#connection, this.#publisher, this.#subscriber]) {
      client.on('error', (error) => {
        if (!this.#closed) options.logger.warn({ msg: 'redis error', plugin: 'jobs', error: error.message })
      })
    }
    this.#channel = `${options.prefix}:cancel`
    this.queue = new Queue(BULLMQ_QUEUE_NAME, { connection: this.#connection, prefix: options.prefix })
  }

  async start(): Promise<void> {
    await this.#subscriber.subscribe(this.#channel)
    this.#subscriber.on('message', (_channel: string, id: string) => {
      this.#engine.abortLocal(id)
    })
    const lock = this.#options.lockDurationMs
    this.#worker = new Worker(
      BULLMQ_QUEUE_NAME,
      async (job: BullJob<{ id: string; run: number }>) => {
        const outcome = await this.#engine.runAttempt(job.data.id, job.data.run)
        // Closing: leave the job locked, as a dead process would; another worker takes it over.
        if (this.#engine.closing) return new Promise<never>(() => {})
        if (outcome.kind === 'retry') {
          const error: RetryError = new Error(outcome.error)
          error.retryDelay = outcome.delayMs
          throw error
        }
        if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.error)
        return outcome.kind
      },
      {
        connection: this.#connection,
        prefix: this.#options.prefix,
        concurrency: Math.max(1, this.#options.concurrency),
        lockDuration: lock,
        stalledInterval: Math.max(500, Math.floor(lock / 2)),
        // The engine decides when a job has had enough attempts, stalls included.
        maxStalledCount: 1000,
        settings: {
          backoffStrategy: (_attempts, _type, error) => (error as RetryError | undefined)?.retryDelay ?? 1000,
        },
      },
    )
    this.#worker.on('error', (error) => {
      if (!this.#closed)
        this.#options.logger.warn({ msg: 'bullmq worker error', plugin: 'jobs', error: error.message })
    })
    await this.#worker.waitUntilReady()
  }

  #jobId(record: JobRecord): string {
    return `${record.id}-r${record.run}`
  }

  async dispatch(record: JobRecord): Promise<void> {
    const delay = Math.max(0, Date.parse(record.scheduled_at) - this.#options.clock.now())
    await this.queue.add(
      record.type ?? 'job',
      { id: record.id, run: record.run, queue: record.queue, type: record.type, user_id: record.user_id },
      {
        jobId: this.#jobId(record),
        delay,
        priority: bullPriority(record.priority),
        // The engine counts attempts; BullMQ only needs to keep retrying until told to stop.
        attempts: 1000,
        backoff: { type: 'nself' },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
      },
    )
  }

  async discard(record: JobRecord): Promise<void> {
    // A locked (running) job cannot be removed; the engine skips it when it runs anyway.
    await this.queue.remove(this.#jobId(record)).catch(() => 0)
  }

  async abort(id: string): Promise<void> {
    this.#engine.abortLocal(id)
    await this.#publisher.publish(this.#channel, id)
  }

  async close(): Promise<void> {
    this.#closed = true
    // force: do not wait for running attempts; their locks lapse and another worker takes over.
    await this.#worker?.close(true).catch(() => {})
    await this.queue.close().catch(() => {})
    this.#subscriber.disconnect()
    await this.#publisher.quit().catch(() => this.#publisher.disconnect())
    await this.#connection.quit().catch(() => this.#connection.disconnect())
  }
}
