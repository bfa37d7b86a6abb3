/**
 * `@nself/jobs-client/testing`: msw 2 handlers for the jobs plugin's routes, typed by the
 * contract, backed by an in-memory queue that a fake clock drives — so a component test
 * decides when a job starts, reports progress, fails, retries or completes.
 *
 * ```ts
 * const jobs = createFakeJobs({ baseUrl: 'http://jobs.test', plan: () => ({ durationMs: 1000, steps: 4 }) })
 * const server = setupServer(...jobs.handlers)
 * // … render a component that enqueues a job …
 * await jobs.advance(500)   // the job is active at 50 %, and watchers were told
 * ```
 */
import type { ErrorBody } from '@nself/contracts'
import {
  type CreateJob,
  type CreateSchedule,
  type JobEventType,
  type JobList,
  jobBackoffMs,
  type QueueList,
  type Schedule,
  type ScheduleList,
  type Job as WireJob,
} from '@nself/contracts/jobs'
import { HttpResponse, http } from 'msw'

/** How the fake runs one attempt of a job. */
export interface FakeJobPlan {
  /** How long an attempt takes on the fake clock (default 0: done when it starts). */
  durationMs?: number
  /** Progress steps reported over the duration (default 1). */
  steps?: number
  /** Fail the first N attempts (`true`: every attempt). */
  fail?: number | boolean
  /** The error message of a failed attempt. */
  error?: string
  /** The `result` of a completed job. */
  result?: unknown
}

/** Options of {@link createFakeJobs}. */
export interface FakeJobsOptions {
  /** The base URL the handlers answer on (default `http://localhost:3105`, the SDK's development default). */
  baseUrl?: string
  /** The fake clock's start (default now). */
  now?: number
  /** The user the fake treats as the caller (default `alice`). */
  userId?: string
  /** How each job runs (default: completes at once). */
  plan?: (job: WireJob) => FakeJobPlan
  /** Multiplies the real backoff (2 s, 8 s, 30 s, 2 min, 5 min); default 1. */
  timeScale?: number
}

/** The fake queue and its msw handlers. */
export interface FakeJobs {
  /** msw handlers: `setupServer(...jobs.handlers)` or `worker.use(...)`. */
  readonly handlers: ReturnType<typeof http.get>[]
  /** The fake clock (ms). */
  now(): number
  /** Moves the fake clock, running whatever falls due (starts, progress, failures, completions). */
  advance(ms: number): Promise<void>
  /** Adds a job directly (as if another tab or a cron schedule had). */
  add(input?: Partial<CreateJob>): WireJob
  /** Every job, oldest first. */
  jobs(): WireJob[]
  get(id: string): WireJob | undefined
}

const TERMINAL = ['completed', 'failed', 'cancelled']

/** Builds a fake jobs plugin for component tests. See {@link FakeJobsOptions}. */
export function createFakeJobs(options: FakeJobsOptions = {}): FakeJobs {
  const base = (options.baseUrl ?? 'http://localhost:3105').replace(/\/+$/, '')
  const scale = options.timeScale ?? 1
  let clock = options.now ?? Date.now()
  let seq = 0
  let eventSeq = 0
  const jobs = new Map<string, WireJob>()
  const runs = new Map<string, { started: number; plan: FakeJobPlan }>()
  const schedules = new Map<string, Schedule>()
  const streams = new Set<{ jobId?: string; push: (text: string) => void }>()
  const iso = (ms: number) => new Date(ms).toISOString()

  const emit = (event: JobEventType, job: WireJob) => {
    const text = `id: ${++eventSeq}\nevent: ${event}\ndata: ${JSON.stringify(job)}\n\n`
    for (const s of streams) if (!s.jobId || s.jobId === job.id) s.push(text)
  }
  const update = (job: WireJob, patch: Partial<WireJob>, event: JobEventType) => {
    const next = { ...job, ...patch, updated_at: iso(clock) }
    jobs.set(job.id, next)
    emit(event, next)
    return next
  }
  const add = (input: Partial<CreateJob> = {}): WireJob => {
    const id = `job-${++seq}`
    const job: WireJob = {
      id,
      queue: input.queue ?? 'default',
      type: input.type ?? null,
      payload: input.payload ?? {},
      priority: input.priority ?? 0,
      status: 'pending',
      attempts: 0,
      max_attempts: input.max_attempts ?? 3,
      scheduled_at: iso(input.run_at ? Date.parse(input.run_at) : clock + (input.delay_ms ?? 0)),
      started_at: null,
      completed_at: null,
      error: null,
      created_at: iso(clock),
      updated_at: iso(clock),
      progress: 0,
      result: null,
      idempotency_key: input.idempotency_key ?? null,
      callback_url: input.callback_url ?? null,
      user_id: options.userId ?? 'alice',
      schedule: null,
      dead_lettered: false,
    }
    jobs.set(id, job)
    emit('job.created', job)
    return job
  }

  /** Applies everything due at `clock`; returns the next time something is due. */
  const step = (): number => {
    let next = Number.POSITIVE_INFINITY
    const due = [...jobs.values()]
      .filter((j) => j.status === 'pending')
      .sort((a, b) => b.priority - a.priority || Date.parse(a.scheduled_at) - Date.parse(b.scheduled_at))
    for (const job of due) {
      const at = Date.parse(job.scheduled_at)
      if (at > clock) {
        next = Math.min(next, at)
        continue
      }
      const started = update(
        job,
        { status: 'active', attempts: job.attempts + 1, started_at: iso(clock), progress: 0 },
        'job.active',
      )
      runs.set(job.id, { started: clock, plan: options.plan?.(started) ?? {} })
    }
    for (const [id, run] of runs) {
      const job = jobs.get(id)
      if (job?.status !== 'active') {
        runs.delete(id)
        continue
      }
      const { durationMs = 0, steps = 1, fail = false } = run.plan
      const elapsed = clock - run.started
      const failing = fail === true || (typeof fail === 'number' && job.attempts <= fail)
      if (elapsed >= durationMs) {
        runs.delete(id)
        if (!failing) {
          update(
            job,
            {
              status: 'completed',
              progress: 100,
              completed_at: iso(clock),
              result: run.plan.result ?? null,
              error: null,
            },
            'job.completed',
          )
        } else if (job.attempts < job.max_attempts) {
          const retryAt = clock + Math.round(jobBackoffMs(job.attempts) * scale)
          update(
            job,
            { status: 'pending', error: run.plan.error ?? 'failed', scheduled_at: iso(retryAt) },
            'job.retrying',
          )
          next = Math.min(next, retryAt)
        } else {
          update(
            job,
            {
              status: 'failed',
              error: run.plan.error ?? 'failed',
              completed_at: iso(clock),
              dead_lettered: true,
            },
            'job.failed',
          )
        }
        continue
      }
      const stepMs = durationMs / steps
      const done = Math.floor(elapsed / stepMs)
      const progress = Math.round((done / steps) * 100)
      if (progress !== job.progress) update(job, { progress }, 'job.progress')
      next = Math.min(next, run.started + (done + 1) * stepMs, run.started + durationMs)
    }
    return next
  }
  const settle = () => {
    for (let i = 0; i < 1000 && step() <= clock; i++) {}
  }
  const advance = async (ms: number) => {
    const target = clock + ms
    settle()
    for (;;) {
      const next = step()
      if (next > target) break
      clock = next
      settle()
    }
    clock = target
    settle()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }

  const notFound = () =>
    HttpResponse.json<ErrorBody>({ error: 'job not found', code: 'NOT_FOUND' }, { status: 404 })
  const conflict = (job: WireJob) =>
    HttpResponse.json<ErrorBody>(
      { error: `A ${job.status} job cannot do that`, code: 'CONFLICT' },
      { status: 409 },
    )
  const page = (list: WireJob[], url: URL): JobList => {
    const limit = Number(url.searchParams.get('limit') ?? 50)
    const offset = Number(url.searchParams.get('offset') ?? 0)
    const jobsPage = list.slice(offset, offset + limit)
    return { jobs: jobsPage, count: jobsPage.length, limit, offset, total: list.length }
  }
  const stream = (jobId?: string, request?: Request) => {
    let entry: { jobId?: string; push: (text: string) => void } | undefined
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const encoder = new TextEncoder()
        entry = { ...(jobId ? { jobId } : {}), push: (text) => controller.enqueue(encoder.encode(text)) }
        streams.add(entry)
        const job = jobId ? jobs.get(jobId) : undefined
        if (job) entry.push(`id: ${eventSeq}\nevent: job.snapshot\ndata: ${JSON.stringify(job)}\n\n`)
        request?.signal.addEventListener('abort', () => entry && streams.delete(entry))
      },
      cancel() {
        if (entry) streams.delete(entry)
      },
    })
    return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } })
  }

  const handlers = [
    http.post<never, CreateJob, WireJob | ErrorBody>(`${base}/v1/jobs`, async ({ request }) => {
      const input = (await request.json()) as CreateJob
      const key = input.idempotency_key
      const existing = key ? [...jobs.values()].find((j) => j.idempotency_key === key) : undefined
      if (existing) return HttpResponse.json(existing, { status: 200 })
      const job = add(input)
      settle()
      return HttpResponse.json(jobs.get(job.id) ?? job, { status: 201 })
    }),
    http.get<never, never, JobList>(`${base}/v1/jobs`, ({ request }) => {
      const url = new URL(request.url)
      const status = url.searchParams.get('status')
      const type = url.searchParams.get('type')
      const queue = url.searchParams.get('queue')
      const list = [...jobs.values()]
        .reverse()
        .filter(
          (j) =>
            (!status || j.status === status) && (!type || j.type === type) && (!queue || j.queue === queue),
        )
      return HttpResponse.json(page(list, url))
    }),
    http.get(`${base}/v1/jobs/events`, ({ request }) => stream(undefined, request)),
    http.get<{ id: string }, never, WireJob | ErrorBody>(`${base}/v1/jobs/:id`, ({ params }) => {
      const job = jobs.get(params.id)
      return job ? HttpResponse.json(job) : notFound()
    }),
    http.get<{ id: string }>(`${base}/v1/jobs/:id/events`, ({ params, request }) =>
      jobs.has(params.id) ? stream(params.id, request) : notFound(),
    ),
    http.post<{ id: string }, never, WireJob | ErrorBody>(`${base}/v1/jobs/:id/cancel`, ({ params }) => {
      const job = jobs.get(params.id)
      if (!job) return notFound()
      if (job.status === 'cancelled') return HttpResponse.json(job)
      if (TERMINAL.includes(job.status)) return conflict(job)
      runs.delete(job.id)
      return HttpResponse.json(
        update(job, { status: 'cancelled', completed_at: iso(clock) }, 'job.cancelled'),
      )
    }),
    ...(['retry', 'revive'] as const).map((action) =>
      http.post<{ id: string }, never, WireJob | ErrorBody>(
        action === 'retry' ? `${base}/v1/jobs/:id/retry` : `${base}/v1/dlq/:id/revive`,
        ({ params }) => {
          const job = jobs.get(params.id)
          if (!job) return notFound()
          if (job.status !== 'failed') return conflict(job)
          const requeued = update(
            job,
            {
              status: 'pending',
              attempts: 0,
              progress: 0,
              error: null,
              completed_at: null,
              dead_lettered: false,
              scheduled_at: iso(clock),
            },
            'job.requeued',
          )
          settle()
          return HttpResponse.json(jobs.get(job.id) ?? requeued)
        },
      ),
    ),
    http.delete<{ id: string }>(`${base}/v1/jobs/:id`, ({ params }) => {
      const job = jobs.get(params.id)
      if (!job) return notFound()
      jobs.delete(job.id)
      emit('job.deleted', job)
      return HttpResponse.json({ status: 'deleted' as const })
    }),
    http.get<never, never, JobList>(`${base}/v1/dlq`, ({ request }) =>
      HttpResponse.json(
        page(
          [...jobs.values()].filter((j) => j.dead_lettered),
          new URL(request.url),
        ),
      ),
    ),
    http.get<never, never, QueueList>(`${base}/v1/queues`, () => {
      const rows = new Map<string, QueueList['queues'][number]>()
      for (const job of jobs.values()) {
        const row = rows.get(job.queue) ?? {
          name: job.queue,
          pending: 0,
          active: 0,
          completed: 0,
          failed: 0,
          cancelled: 0,
        }
        row[job.status] = (row[job.status] ?? 0) + 1
        rows.set(job.queue, row)
      }
      return HttpResponse.json({ queues: [...rows.values()], count: rows.size })
    }),
    http.get<never, never, ScheduleList>(`${base}/v1/schedules`, () =>
      HttpResponse.json({ schedules: [...schedules.values()], count: schedules.size }),
    ),
    http.post<never, CreateSchedule, Schedule>(`${base}/v1/schedules`, async ({ request }) => {
      const input = (await request.json()) as CreateSchedule
      const existing = schedules.get(input.name)
      const schedule: Schedule = {
        name: input.name,
        cron: input.cron,
        timezone: input.timezone ?? 'UTC',
        type: input.type,
        payload: input.payload ?? {},
        queue: input.queue ?? 'default',
        priority: input.priority ?? 0,
        max_attempts: input.max_attempts ?? 3,
        enabled: input.enabled ?? true,
        next_run_at: null,
        last_run_at: null,
        user_id: options.userId ?? 'alice',
        created_at: existing?.created_at ?? iso(clock),
        updated_at: iso(clock),
      }
      schedules.set(input.name, schedule)
      return HttpResponse.json(schedule, { status: existing ? 200 : 201 })
    }),
    http.delete<{ name: string }>(`${base}/v1/schedules/:name`, ({ params }) =>
      schedules.delete(params.name)
        ? HttpResponse.json({ status: 'deleted' as const })
        : HttpResponse.json<ErrorBody>({ error: 'schedule not found', code: 'NOT_FOUND' }, { status: 404 }),
    ),
  ]

  return {
    handlers: handlers as FakeJobs['handlers'],
    now: () => clock,
    advance,
    add,
    jobs: () => [...jobs.values()],
    get: (id) => jobs.get(id),
  }
}
