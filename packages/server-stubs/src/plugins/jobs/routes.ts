import {
  CreateJobSchema,
  CreateScheduleSchema,
  JOB_LIST_LIMITS,
  type Job,
  type JobList,
  ListJobsQuerySchema,
  type QueueList,
  type ScheduleList,
} from '@nself/contracts/jobs'
import * as z from 'zod/mini'
import type { AuthUser } from '../../auth/request-user'
import { HttpError } from '../../http/http-error'
import { json } from '../../http/reply'
import type { RequestContext } from '../../http/request-context'
import type { Router } from '../../http/router'
import { JobEngine } from './job-engine'
import { streamJobEvents } from './job-events-sse'
import { type JobRecord, toWireJob } from './job-store'
import type { JobScheduler } from './scheduler'

const notFound = () => new HttpError('NOT_FOUND', 'job not found')

function query(ctx: RequestContext): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of ctx.query) out[key] = value
  return out
}

function parse<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: unknown[] } }
  },
  value: unknown,
): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    throw new HttpError('VALIDATION_FAILED', 'Invalid query parameters', { details: result.error.issues })
  }
  return result.data
}

/** The owner a listing is limited to: the user's own, or (service tokens) everybody's or `?user_id=`. */
function ownerFilter(ctx: RequestContext, user: AuthUser): string | undefined {
  if (!user.isService) return user.userId
  return ctx.query.get('user_id') ?? undefined
}

/** A job the caller may see, else 404 (another user's job is indistinguishable from none). */
async function visibleJob(engine: JobEngine, id: string, user: AuthUser): Promise<JobRecord> {
  const job = await engine.store.get(id)
  if (!job || !JobEngine.visible(job, user)) throw notFound()
  return job
}

const PaginationSchema = z.object({
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(JOB_LIST_LIMITS.dlqMax))),
  offset: z.optional(z.coerce.number().check(z.int(), z.gte(0))),
})

/** Registers the jobs plugin's routes (the real plugin's, then the extensions). */
export function registerJobRoutes(
  router: Router,
  engine: JobEngine,
  scheduler: JobScheduler,
  ready: Promise<void>,
): void {
  const wire = (job: JobRecord): Job => toWireJob(job)

  router.post('/v1/jobs', async (ctx) => {
    const user = ctx.requireUser()
    const input = await ctx.parseBody(CreateJobSchema)
    await ready
    const header = ctx.req.headers['idempotency-key']
    const headerKey = (Array.isArray(header) ? header[0] : header)?.slice(0, 200) || undefined
    const { record, created } = await engine.create(input, user, headerKey)
    return json(wire(record), created ? 201 : 200)
  })

  router.get('/v1/jobs', async (ctx) => {
    const user = ctx.requireUser()
    const q = parse(ListJobsQuerySchema, query(ctx))
    const limit = q.limit ?? JOB_LIST_LIMITS.default
    const offset = q.offset ?? 0
    const { jobs, total } = await engine.store.list(
      { owner: ownerFilter(ctx, user), queue: q.queue, status: q.status, type: q.type },
      limit,
      offset,
    )
    const body: JobList = { jobs: jobs.map(wire), count: jobs.length, limit, offset, total }
    return json(body)
  })

  // extension: every event of the jobs the caller may see.
  router.get('/v1/jobs/events', async (ctx) => {
    const user = ctx.requireUser()
    const owner = ownerFilter(ctx, user)
    return streamJobEvents(ctx, engine.store, {
      accept: (event) => (owner === undefined ? true : event.job.user_id === owner),
    })
  })

  router.get('/v1/jobs/:id', async (ctx) =>
    json(wire(await visibleJob(engine, ctx.params.id as string, ctx.requireUser()))),
  )

  router.delete('/v1/jobs/:id', async (ctx) => {
    const id = ctx.params.id as string
    await visibleJob(engine, id, ctx.requireUser())
    const outcome = await engine.remove(id)
    if (outcome === 'not-found') throw notFound()
    if (outcome === 'active') throw new HttpError('CONFLICT', 'The job is running: cancel it first')
    return json({ status: 'deleted' })
  })

  router.post('/v1/jobs/:id/retry', async (ctx) => {
    const id = ctx.params.id as string
    const job = await visibleJob(engine, id, ctx.requireUser())
    const result = await engine.requeue(id, 'failed')
    if (!result) throw notFound()
    if (!result.changed) {
      throw new HttpError('CONFLICT', `Only a failed job can be retried (this one is ${job.status})`, {
        details: { status: result.record.status },
      })
    }
    return json(wire(result.record))
  })

  // extension
  router.post('/v1/jobs/:id/cancel', async (ctx) => {
    const id = ctx.params.id as string
    await visibleJob(engine, id, ctx.requireUser())
    const result = await engine.cancel(id)
    if (!result) throw notFound()
    if (!result.changed && result.record.status !== 'cancelled') {
      throw new HttpError('CONFLICT', `A ${result.record.status} job cannot be cancelled`, {
        details: { status: result.record.status },
      })
    }
    return json(wire(result.record))
  })

  // extension: this job's events, starting with its current state.
  router.get('/v1/jobs/:id/events', async (ctx) => {
    const id = ctx.params.id as string
    await visibleJob(engine, id, ctx.requireUser())
    return streamJobEvents(ctx, engine.store, {
      accept: (event) => event.job.id === id,
      snapshot: () => engine.store.get(id),
    })
  })

  router.get('/v1/queues', async (ctx) => {
    const user = ctx.requireUser()
    const queues = await engine.store.queues(ownerFilter(ctx, user))
    const body: QueueList = { queues, count: queues.length }
    return json(body)
  })

  router.get('/v1/dlq', async (ctx) => {
    const user = ctx.requireUser()
    const q = parse(PaginationSchema, query(ctx))
    const limit = q.limit ?? JOB_LIST_LIMITS.default
    const offset = q.offset ?? 0
    const { jobs, total } = await engine.store.list(
      { owner: ownerFilter(ctx, user), deadLettered: true },
      limit,
      offset,
    )
    const body: JobList = { jobs: jobs.map(wire), count: jobs.length, limit, offset, total }
    return json(body)
  })

  router.post('/v1/dlq/:id/revive', async (ctx) => {
    const id = ctx.params.id as string
    await visibleJob(engine, id, ctx.requireUser())
    const result = await engine.requeue(id, 'dead-letter')
    if (!result?.changed) throw new HttpError('NOT_FOUND', 'job not found in the dead-letter queue')
    return json(wire(result.record))
  })

  // extension: cron schedules. Users see and change their own; service tokens the server's own
  // (and everybody's when listing).
  router.get('/v1/schedules', async (ctx) => {
    const user = ctx.requireUser()
    const all = await engine.store.listSchedules()
    const schedules = all
      .filter((s) => user.isService || s.user_id === user.userId)
      .sort((a, b) => a.name.localeCompare(b.name))
    const body: ScheduleList = { schedules, count: schedules.length }
    return json(body)
  })

  router.post('/v1/schedules', async (ctx) => {
    const user = ctx.requireUser()
    const input = await ctx.parseBody(CreateScheduleSchema)
    const payload = engine.checkType(input.type, input.payload, user)
    const { schedule, created } = await scheduler.put({
      name: input.name,
      cron: input.cron.trim(),
      timezone: input.timezone ?? 'UTC',
      type: input.type,
      payload,
      queue: input.queue ?? 'default',
      priority: input.priority ?? 0,
      max_attempts: input.max_attempts ?? engine.config.defaultMaxAttempts,
      enabled: input.enabled ?? true,
      user_id: user.isService ? null : user.userId,
    })
    return json(schedule, created ? 201 : 200)
  })

  router.delete('/v1/schedules/:name', async (ctx) => {
    const user = ctx.requireUser()
    const removed = await scheduler.remove(user.isService ? null : user.userId, ctx.params.name as string)
    if (!removed) throw new HttpError('NOT_FOUND', 'schedule not found')
    return json({ status: 'deleted' })
  })
}
