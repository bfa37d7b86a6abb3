import { isNselfError } from '@nself/client-core'
import { type JobsServer, signDevToken } from '@nself/server-stubs'
import { startTestJobsServer } from '@nself/server-stubs/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Job, JobQueueService } from './index'

// Against the real reference server, in-process.
const SECRET = 'jobs-client-test-secret-0123456789'

describe('JobQueueService against the jobs stub', () => {
  let server: JobsServer
  let jobs: JobQueueService
  let requests: string[]

  beforeAll(async () => {
    server = await startTestJobsServer({
      jwtSecret: SECRET,
      timeScale: 0.001,
      clientTypes: ['send-email-digest', 'simulate'],
    })
    requests = []
    jobs = new JobQueueService({
      baseUrl: server.url,
      getToken: () => signDevToken({ userId: 'alice' }, SECRET),
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`)
        return fetch(input, init)
      },
    })
  })
  afterAll(() => server.close())

  it("schedules the seeds' job with runAt and watches it to completion over server-sent events", async () => {
    const runAt = new Date(Date.now() + 300)
    const job = await jobs.scheduleJob({
      type: 'simulate',
      payload: { steps: 4, durationMs: 200 },
      runAt,
    })
    expect(job.status).toBe('pending')
    expect(job.scheduledAt.getTime()).toBe(runAt.getTime())
    expect(job.maxAttempts).toBe(3)
    const seen: Job[] = []
    const watch = jobs.watch(job.id)
    for await (const state of watch) seen.push(state)
    expect(watch.mode).toBe('stream')
    expect(seen.map((j) => j.status)).toEqual(expect.arrayContaining(['pending', 'active', 'completed']))
    expect(seen.filter((j) => j.status === 'active').map((j) => j.progress)).toEqual([0, 25, 50, 75, 100])
    expect(seen.at(-1)).toMatchObject({
      status: 'completed',
      progress: 100,
      result: { steps: 4, attempt: 1 },
    })
    expect(seen.at(-1)?.completedAt).toBeInstanceOf(Date)
  })

  it('types payloads by job type', async () => {
    const digest = jobs.enqueue({
      type: 'send-email-digest',
      payload: { userId: 'alice', frequency: 'daily' },
      delayMs: 60_000,
    })
    expect((await digest).payload.frequency).toBe('daily')
    // @ts-expect-error frequency must be hourly, daily or weekly
    const wrong = jobs.enqueue({
      type: 'send-email-digest',
      payload: { userId: 'alice', frequency: 'yearly' },
    })
    await expect(wrong).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 })
    // @ts-expect-error unknown job type
    await expect(jobs.enqueue({ type: 'nope', payload: {} })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
  })

  it('refuses a type outside the allow-list with a typed error', async () => {
    const error = await jobs.enqueue({ type: 'database-backup', payload: {} }).catch((e: unknown) => e)
    expect(isNselfError(error) && error.code).toBe('JOB_TYPE_NOT_ALLOWED')
  })

  it('lists, cancels, retries and revives', async () => {
    const later = await jobs.enqueue({ type: 'simulate', payload: {}, delayMs: 60_000, queue: 'slow' })
    const cancelled = await jobs.cancel(later.id)
    expect(cancelled.status).toBe('cancelled')
    const failing = await jobs.enqueue({ type: 'simulate', payload: { failAttempts: 1 }, maxAttempts: 1 })
    let last: Job | undefined
    for await (const state of jobs.watch(failing.id)) last = state
    expect(last).toMatchObject({ status: 'failed', deadLettered: true, attempts: 1 })
    expect((await jobs.deadLetters()).jobs.map((j) => j.id)).toContain(failing.id)
    const retried = await jobs.retry(failing.id)
    expect(retried).toMatchObject({ status: 'pending', attempts: 0 })
    for await (const state of jobs.watch(failing.id)) last = state
    expect(last?.status).toBe('failed')
    await jobs.revive(failing.id)
    const page = await jobs.list({ status: 'cancelled' })
    expect(page.jobs.map((j) => j.id)).toContain(later.id)
    expect((await jobs.queues()).find((q) => q.name === 'slow')).toMatchObject({ cancelled: 1 })
    await expect(jobs.cancel(later.id)).resolves.toMatchObject({ status: 'cancelled' })
    await jobs.remove(later.id)
    await expect(jobs.get(later.id)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('creates, lists and deletes cron schedules', async () => {
    const schedule = await jobs.createSchedule({
      name: 'my-digest',
      cron: '0 8 * * 1',
      timezone: 'Europe/Berlin',
      type: 'send-email-digest',
      payload: { userId: 'alice', frequency: 'weekly' },
    })
    expect(schedule.nextRunAt).toBeInstanceOf(Date)
    expect(schedule.nextRunAt?.getUTCHours()).toBeOneOf([6, 7])
    expect((await jobs.listSchedules()).map((s) => s.name)).toEqual(['my-digest'])
    await jobs.deleteSchedule('my-digest')
    expect(await jobs.listSchedules()).toEqual([])
  })

  it('falls back to polling with backoff when the server has no event stream', async () => {
    const polling = new JobQueueService({
      baseUrl: server.url,
      getToken: () => signDevToken({ userId: 'alice' }, SECRET),
      // A server without the events extension (the real Go plugin) answers 404 there.
      fetch: (input, init) =>
        String(input).endsWith('/events')
          ? Promise.resolve(Response.json({ error: 'not found' }, { status: 404 }))
          : fetch(input, init),
    })
    const job = await polling.enqueue({ type: 'simulate', payload: { steps: 2, durationMs: 300 } })
    const watch = polling.watch(job.id, { pollIntervalMs: 50 })
    let last: Job | undefined
    for await (const state of watch) last = state
    expect(watch.mode).toBe('poll')
    expect(last?.status).toBe('completed')
  })

  it('rejects a watch of a job that does not exist (or is not yours) with NOT_FOUND', async () => {
    const watch = jobs.watch('00000000-0000-4000-8000-000000000000')
    await expect(
      (async () => {
        for await (const _ of watch) {
        }
      })(),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('stops a watch when its signal aborts, leaving no request open', async () => {
    const job = await jobs.enqueue({ type: 'simulate', payload: {}, delayMs: 60_000 })
    const controller = new AbortController()
    const updates: Job[] = []
    const watch = jobs.watch(job.id, { signal: controller.signal, onUpdate: (j) => updates.push(j) })
    await new Promise((resolve) => setTimeout(resolve, 100))
    controller.abort()
    const states: Job[] = []
    for await (const state of watch) states.push(state)
    expect(updates.map((j) => j.status)).toEqual(['pending'])
  })
})
