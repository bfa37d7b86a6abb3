import {
  getNselfConfig,
  HttpClient,
  type HttpClientOptions,
  isNselfError,
  NselfError,
  openEventStream,
  type RequestOptions,
  type ResponseSchema,
  sleep,
} from '@nself/client-core'
import {
  type Deleted,
  type JobEventType,
  JobListSchema,
  JobSchema,
  type QueueList,
  QueueListSchema,
  ScheduleListSchema,
  ScheduleSchema,
  type Job as WireJob,
  type JobList as WireJobList,
  type Schedule as WireSchedule,
  type ScheduleList as WireScheduleList,
} from '@nself/contracts/jobs'
import { toCreateBody, toJob, toQueueCounts, toSchedule, toScheduleBody } from './job-mapping'
import type {
  EnqueueInput,
  Job,
  JobFilter,
  JobPage,
  JobTypeName,
  JobTypes,
  QueueCounts,
  QueueJobInput,
  Schedule,
  ScheduleInput,
} from './job-types'

/** Options of {@link JobQueueService}: any `NselfConfig` field, plus the jobs plugin's URL. */
export type JobQueueServiceOptions = Omit<HttpClientOptions, 'plugin'>

/** Options of a call. */
export interface CallOptions {
  signal?: AbortSignal
}

/** Options of {@link JobQueueService.watch}. */
export interface WatchOptions extends CallOptions {
  /** Called with every new state of the job. */
  onUpdate?: (job: Job) => void
  /** Stop once the job is completed, failed or cancelled (default `true`). */
  untilDone?: boolean
  /** First polling interval when server-sent events are unavailable, in ms (default 500; backs off to 5 s). */
  pollIntervalMs?: number
}

/** A running {@link JobQueueService.watch}: iterate it for the job's states; `close()` stops it. */
export interface JobWatch extends AsyncIterable<Job> {
  close(): void
  /** How updates arrive now: `stream` (server-sent events) or `poll`. */
  readonly mode: 'stream' | 'poll'
}

/** A change pushed by {@link JobQueueService.subscribe}. */
export interface JobChange {
  event: JobEventType
  job: Job
}

const DONE = ['completed', 'failed', 'cancelled']
const path = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`
const POST = { method: 'POST' } as const
const DELETE = { method: 'DELETE' } as const

// Response checks are for development; the literal NODE_ENV test lets bundlers drop them
// (and zod) from production builds.
const SCHEMAS =
  process.env.NODE_ENV !== 'production'
    ? {
        job: JobSchema,
        list: JobListSchema,
        queues: QueueListSchema,
        schedule: ScheduleSchema,
        schedules: ScheduleListSchema,
      }
    : undefined

/**
 * Enqueue, schedule, watch and manage background jobs on the nself jobs plugin. React-free:
 * use it in route handlers, server components and scripts; `new JobQueueService()` takes its
 * URL and token from `NselfProvider`, `configureNself` or `NEXT_PUBLIC_JOBS_URL`.
 *
 * ```ts
 * const jobs = new JobQueueService()
 * const job = await jobs.scheduleJob({ type: 'send-email-digest', payload: { userId, frequency: 'daily' }, runAt })
 * for await (const state of jobs.watch(job.id)) console.log(state.status, state.progress)
 * ```
 */
export class JobQueueService {
  readonly http: HttpClient
  readonly #options: JobQueueServiceOptions

  constructor(options: JobQueueServiceOptions = {}) {
    this.#options = options
    this.http = new HttpClient({ ...options, plugin: 'jobs' })
  }

  /** One request; `schema` names the response's contract, checked outside production. */
  #req<T>(
    path: string,
    options: CallOptions,
    schema?: keyof NonNullable<typeof SCHEMAS>,
    init?: Omit<RequestOptions<T>, 'path'>,
  ): Promise<T> {
    return this.http.request<T>({
      path,
      ...init,
      ...(SCHEMAS && schema ? { schema: SCHEMAS[schema] as unknown as ResponseSchema<T> } : {}),
      ...options,
    })
  }

  /** A request answered by one job. */
  async #job(p: string, options: CallOptions, init?: Omit<RequestOptions<WireJob>, 'path'>): Promise<Job> {
    return toJob(await this.#req<WireJob>(p, options, 'job', init))
  }

  /** Enqueues a job; its payload is typed by {@link JobTypes}. */
  async enqueue<T extends JobTypeName>(
    input: EnqueueInput<T>,
    options?: CallOptions,
  ): Promise<Job<JobTypes[T]>>
  async enqueue(input: QueueJobInput, options?: CallOptions): Promise<Job>
  async enqueue(input: EnqueueInput | QueueJobInput, options: CallOptions = {}): Promise<Job> {
    return this.#job('/v1/jobs', options, {
      method: 'POST',
      body: toCreateBody(input),
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    })
  }

  /** The seeds' call: `scheduleJob({ type, payload, runAt })` — an enqueue due at `runAt`. */
  scheduleJob<T extends JobTypeName>(
    input: EnqueueInput<T>,
    options?: CallOptions,
  ): Promise<Job<JobTypes[T]>> {
    return this.enqueue(input, options)
  }

  async get(id: string, options: CallOptions = {}): Promise<Job> {
    return this.#job(path(id), options)
  }

  /** The caller's jobs, newest first. */
  async list(filter: JobFilter = {}, options: CallOptions = {}): Promise<JobPage> {
    return this.#page('/v1/jobs', filter, options)
  }

  /** The caller's jobs in the dead-letter queue. */
  async deadLetters(
    filter: Pick<JobFilter, 'limit' | 'offset'> = {},
    options: CallOptions = {},
  ): Promise<JobPage> {
    return this.#page('/v1/dlq', filter, options)
  }

  async #page(p: string, filter: JobFilter, options: CallOptions): Promise<JobPage> {
    const body = await this.#req<WireJobList>(p, options, 'list', { query: { ...filter } })
    return { jobs: body.jobs.map(toJob), total: body.total, limit: body.limit, offset: body.offset }
  }

  /** Cancels a pending job (it never runs) or a running one (its handler is aborted). */
  async cancel(id: string, options: CallOptions = {}): Promise<Job> {
    return this.#job(`${path(id)}/cancel`, options, POST)
  }

  /** Runs a failed job again, attempts reset. */
  async retry(id: string, options: CallOptions = {}): Promise<Job> {
    return this.#job(`${path(id)}/retry`, options, POST)
  }

  /** Takes a job out of the dead-letter queue and runs it again. */
  async revive(id: string, options: CallOptions = {}): Promise<Job> {
    return this.#job(`/v1/dlq/${encodeURIComponent(id)}/revive`, options, POST)
  }

  /** Deletes a job that is not running. */
  async remove(id: string, options: CallOptions = {}): Promise<void> {
    await this.#req<Deleted>(path(id), options, undefined, DELETE)
  }

  /** Counts per queue (of the caller's jobs). */
  async queues(options: CallOptions = {}): Promise<QueueCounts[]> {
    return (await this.#req<QueueList>('/v1/queues', options, 'queues')).queues.map(toQueueCounts)
  }

  /** The caller's cron schedules. */
  async listSchedules(options: CallOptions = {}): Promise<Schedule[]> {
    return (await this.#req<WireScheduleList>('/v1/schedules', options, 'schedules')).schedules.map(
      toSchedule,
    )
  }

  /** Creates or replaces the caller's schedule of that name. */
  async createSchedule<T extends JobTypeName>(
    input: ScheduleInput<T>,
    options: CallOptions = {},
  ): Promise<Schedule<JobTypes[T]>> {
    const body = await this.#req<WireSchedule>('/v1/schedules', options, 'schedule', {
      method: 'POST',
      body: toScheduleBody(input),
    })
    return toSchedule(body) as Schedule<JobTypes[T]>
  }

  async deleteSchedule(name: string, options: CallOptions = {}): Promise<void> {
    await this.#req<Deleted>(`/v1/schedules/${encodeURIComponent(name)}`, options, undefined, DELETE)
  }

  #stream(
    p: string,
    signal: AbortSignal | undefined,
    onEvent: (event: JobEventType, job: Job) => void,
    onError: (e: NselfError) => void,
  ) {
    return openEventStream({
      url: () => this.http.url(p),
      getToken: (request) => this.http.token(request.forceRefresh, request.signal),
      fetch: (...args) => (this.#options.fetch ?? getNselfConfig().fetch ?? globalThis.fetch)(...args),
      signal,
      onEvent: (e) => {
        try {
          onEvent(e.event as JobEventType, toJob(JSON.parse(e.data) as WireJob))
        } catch {}
      },
      onError,
    })
  }

  /**
   * Every change of the jobs the caller may see, pushed as server-sent events (reconnecting,
   * with `Last-Event-ID`). Returns the function that stops it.
   */
  subscribe(listener: (change: JobChange) => void, options: CallOptions = {}): () => void {
    const stream = this.#stream(
      '/v1/jobs/events',
      options.signal,
      (event, job) => listener({ event, job }),
      () => {},
    )
    return () => stream.close()
  }

  /**
   * The states of job `jobId` as they happen: pushed over server-sent events, or polled with
   * backoff when the stream is unavailable (e.g. a server without the events extension).
   * Iterate it (`for await`) or pass `onUpdate`; it ends when the job is done (unless
   * `untilDone: false`), on `close()` or when `signal` aborts. A missing job rejects with
   * `NOT_FOUND`.
   */
  watch(jobId: string, options: WatchOptions = {}): JobWatch {
    const controller = new AbortController()
    const { signal } = controller
    const queue: Job[] = []
    let wake: (() => void) | undefined
    let ended = false
    let failure: unknown
    let last: Job | undefined
    let mode: JobWatch['mode'] = 'stream'
    let streamErrors = 0

    const finish = (error?: unknown) => {
      if (ended) return
      ended = true
      failure = error
      controller.abort()
      wake?.()
    }
    const emit = (job: Job) => {
      if (ended) return
      if (
        last &&
        last.updatedAt.getTime() === job.updatedAt.getTime() &&
        last.status === job.status &&
        last.progress === job.progress
      )
        return
      last = job
      options.onUpdate?.(job)
      queue.push(job)
      wake?.()
      if (options.untilDone !== false && DONE.includes(job.status)) finish()
    }
    const poll = async () => {
      mode = 'poll'
      const base = options.pollIntervalMs ?? 500
      let delay = base
      while (!signal.aborted) {
        try {
          const before = last
          emit(await this.get(jobId, { signal }))
          delay = last === before ? Math.min(delay * 1.5, 5_000) : base
          await sleep(delay, signal)
        } catch (error) {
          if (signal.aborted) return
          if (isNselfError(error) && !error.retryable) return finish(error)
          await sleep(delay, signal).catch(() => {})
        }
      }
    }
    options.signal?.addEventListener('abort', () => finish(), { once: true })
    if (options.signal?.aborted) finish()
    else {
      const stream = this.#stream(
        `${path(jobId)}/events`,
        signal,
        (event, job) => {
          streamErrors = 0
          if (event === 'job.deleted')
            finish(new NselfError('NOT_FOUND', `Job ${jobId} was deleted`, { status: 404 }))
          else emit(job)
        },
        (error) => {
          // No stream here (an older server, a proxy that buffers): poll instead.
          if (!error.retryable || ++streamErrors >= 2) {
            stream.close()
            if (!signal.aborted) void poll()
          }
        },
      )
    }

    return {
      close: () => finish(),
      get mode() {
        return mode
      },
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<Job>> => {
          for (;;) {
            const job = queue.shift()
            if (job) return { value: job, done: false }
            if (ended) {
              if (failure) throw failure
              return { value: undefined, done: true }
            }
            await new Promise<void>((resolve) => {
              wake = resolve
            })
            wake = undefined
          }
        },
        return: async (): Promise<IteratorResult<Job>> => {
          finish()
          return { value: undefined, done: true }
        },
      }),
    }
  }
}
