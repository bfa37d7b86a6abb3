import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Job, JobList } from '@nself/contracts/jobs'
import { jobBackoffMs } from '@nself/contracts/jobs'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signDevToken } from '../../auth/jwt'
import { FakeClock } from '../../clock'
import type { JobTypeDefinition } from './job-types'
import { createJobsServer, type JobsServer, type JobsServerOptions } from './server'

// One behaviour suite, run against both backends: in memory, and BullMQ on the Redis that
// CI provides (REDIS_URL; a local Redis on the default port otherwise — never skipped).
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const SECRET = 'jobs-behaviour-test-secret-0123456789'
const TIME_SCALE = 0.005

interface Probe {
  started: string[]
  latches: Map<string, () => void>
  aborted: string[]
  flaky: { failing: boolean }
}

function testTypes(probe: Probe): Record<string, JobTypeDefinition<never>> {
  const record: JobTypeDefinition<{ label: string }> = {
    async handler({ payload }) {
      probe.started.push(payload.label)
      return { label: payload.label }
    },
  }
  const block: JobTypeDefinition<{ label: string }> = {
    handler: ({ payload, signal }) =>
      new Promise((resolve, reject) => {
        probe.started.push(payload.label)
        probe.latches.set(payload.label, () => resolve({ released: payload.label }))
        signal.addEventListener('abort', () => {
          probe.aborted.push(payload.label)
          reject(new Error('aborted'))
        })
      }),
  }
  const fail: JobTypeDefinition<never> = {
    async handler({ attempt }) {
      throw new Error(`boom ${attempt}`)
    },
  }
  const flaky: JobTypeDefinition<never> = {
    async handler() {
      if (probe.flaky.failing) throw new Error('still failing')
      return 'ok'
    },
  }
  return {
    'test.record': record as JobTypeDefinition<never>,
    'test.block': block as JobTypeDefinition<never>,
    'test.fail': fail,
    'test.flaky': flaky,
  }
}

export async function waitFor<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

function client(server: JobsServer, userId = 'alice', role?: string) {
  const token = signDevToken({ userId, ...(role ? { role } : {}) }, SECRET)
  const call = async <T = Job>(
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${server.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: (await res.json()) as T }
  }
  return {
    call,
    enqueue: async (body: Record<string, unknown>) => {
      const res = await call('POST', '/v1/jobs', body)
      if (res.status !== 201) throw new Error(`enqueue ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    },
    get: async (id: string) => (await call('GET', `/v1/jobs/${id}`)).body,
    until: (id: string, ok: (job: Job) => boolean, timeoutMs?: number) =>
      waitFor(async () => (await call('GET', `/v1/jobs/${id}`)).body, ok, timeoutMs),
  }
}

const PREFIX = `nself-jobs-test-${process.pid}-${Date.now()}`
afterAll(async () => {
  const redis = new Redis(REDIS_URL)
  const keys = await redis.keys(`${PREFIX}*`)
  if (keys.length) await redis.del(...keys)
  redis.disconnect()
})

const backends = [
  { name: 'memory', options: { backend: 'memory' } as JobsServerOptions },
  {
    name: 'bullmq',
    options: { backend: 'bullmq', redisUrl: REDIS_URL, lockDurationMs: 2_000 } as JobsServerOptions,
  },
]

for (const backend of backends) {
  describe(`jobs behaviour (${backend.name})`, () => {
    const probe: Probe = { started: [], latches: new Map(), aborted: [], flaky: { failing: true } }
    let server: JobsServer
    let alice: ReturnType<typeof client>

    beforeAll(async () => {
      server = await createJobsServer({
        ...backend.options,
        port: 0,
        jwtSecret: SECRET,
        logger: false,
        env: { NODE_ENV: 'test' },
        redisPrefix: `${PREFIX}-${backend.name}`,
        concurrency: 1,
        timeScale: TIME_SCALE,
        notificationsUrl: null,
        dataDir: mkdtempSync(path.join(tmpdir(), 'nself-jobs-')),
        clientTypes: [
          'test.record',
          'test.block',
          'test.fail',
          'test.flaky',
          'simulate',
          'send-email-digest',
        ],
        defaultSchedules: false,
        types: testTypes(probe),
      })
      alice = client(server)
    })
    afterAll(async () => {
      for (const release of probe.latches.values()) release()
      await server?.close()
    })

    it('claims by priority (highest first), then schedule time', async () => {
      probe.started.length = 0
      const blocker = await alice.enqueue({ type: 'test.block', payload: { label: 'blocker' } })
      await alice.until(blocker.id, (j) => j.status === 'active')
      const jobs = []
      for (const [label, priority] of [
        ['p0', 0],
        ['p5a', 5],
        ['p-1', -1],
        ['p5b', 5],
        ['p10', 10],
      ] as const) {
        jobs.push(await alice.enqueue({ type: 'test.record', payload: { label }, priority }))
      }
      probe.latches.get('blocker')?.()
      for (const job of jobs) await alice.until(job.id, (j) => j.status === 'completed')
      expect(probe.started).toEqual(['blocker', 'p10', 'p5a', 'p5b', 'p0', 'p-1'])
    })

    it('runs delayed jobs (delay_ms) and run_at jobs no earlier than due', async () => {
      probe.started.length = 0
      const t0 = Date.now()
      const runAt = new Date(t0 + 600).toISOString()
      const atJob = await alice.enqueue({ type: 'test.record', payload: { label: 'at' }, run_at: runAt })
      const delayed = await alice.enqueue({
        type: 'test.record',
        payload: { label: 'delayed' },
        delay_ms: 300,
      })
      const now = await alice.enqueue({ type: 'test.record', payload: { label: 'now' } })
      expect(atJob.scheduled_at).toBe(runAt)
      const done = [
        await alice.until(now.id, (j) => j.status === 'completed'),
        await alice.until(delayed.id, (j) => j.status === 'completed'),
        await alice.until(atJob.id, (j) => j.status === 'completed'),
      ]
      expect(probe.started).toEqual(['now', 'delayed', 'at'])
      expect(Date.parse(done[1]?.started_at ?? '')).toBeGreaterThanOrEqual(
        Date.parse(delayed.scheduled_at) - 5,
      )
      expect(Date.parse(done[2]?.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(runAt) - 5)
    })

    it('retries with the backoff sequence 2 s, 8 s, 30 s, 2 min, 5 min (time-scaled), then dead-letters', async () => {
      const events: Job[] = []
      const stop = server.store.subscribe((e) => events.push(e.job))
      const job = await alice.enqueue({ type: 'test.fail', max_attempts: 6 })
      const final = await alice.until(job.id, (j) => j.status === 'failed', 15_000)
      stop()
      const seen = events.filter((j) => j.id === job.id)
      expect(final.attempts).toBe(6)
      expect(final.dead_lettered).toBe(true)
      expect(final.error).toBe('boom 6')
      // Each failure schedules the next attempt after the real plugin's backoff for that attempt.
      const retries = seen.filter((j) => j.status === 'pending' && j.attempts > 0)
      expect(retries.map((j) => Date.parse(j.scheduled_at) - Date.parse(j.updated_at))).toEqual(
        [1, 2, 3, 4, 5].map((n) => Math.round(jobBackoffMs(n) * TIME_SCALE)),
      )
      expect([1, 2, 3, 4, 5].map(jobBackoffMs)).toEqual([2_000, 8_000, 30_000, 120_000, 300_000])
      expect(jobBackoffMs(9)).toBe(300_000)
      // …and no attempt started before its time.
      const starts = seen.filter((j) => j.status === 'active').map((j) => Date.parse(j.started_at ?? ''))
      for (let i = 0; i < retries.length; i++) {
        expect(starts[i + 1]).toBeGreaterThanOrEqual(Date.parse(retries[i]?.scheduled_at ?? '') - 5)
      }
      const dlq = await alice.call<JobList>('GET', '/v1/dlq')
      expect(dlq.body.jobs.map((j) => j.id)).toContain(job.id)
    })

    it('dead-letters after the last attempt; retry and revive run it again', async () => {
      probe.flaky.failing = true
      const a = await alice.enqueue({ type: 'test.flaky', max_attempts: 1 })
      const b = await alice.enqueue({ type: 'test.flaky', max_attempts: 2 })
      await alice.until(a.id, (j) => j.status === 'failed')
      const bFailed = await alice.until(b.id, (j) => j.status === 'failed')
      expect(bFailed.attempts).toBe(2)
      const dlq = await alice.call<JobList>('GET', '/v1/dlq')
      expect(dlq.body.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([a.id, b.id]))

      probe.flaky.failing = false
      const retried = await alice.call('POST', `/v1/jobs/${a.id}/retry`)
      expect(retried.status).toBe(200)
      expect(retried.body).toMatchObject({ status: 'pending', attempts: 0, dead_lettered: false })
      const revived = await alice.call('POST', `/v1/dlq/${b.id}/revive`)
      expect(revived.status).toBe(200)
      expect((await alice.until(a.id, (j) => j.status === 'completed')).result).toBe('ok')
      expect((await alice.until(b.id, (j) => j.status === 'completed')).attempts).toBe(1)
      const after = await alice.call<JobList>('GET', '/v1/dlq')
      expect(after.body.jobs.map((j) => j.id)).not.toContain(a.id)
      // Only a failed job can be retried; only a dead-lettered one revived.
      expect((await alice.call('POST', `/v1/jobs/${a.id}/retry`)).status).toBe(409)
      expect((await alice.call('POST', `/v1/dlq/${a.id}/revive`)).status).toBe(404)
    })

    it('cancels a pending job (it never runs) and a running one (its handler is aborted)', async () => {
      probe.started.length = 0
      const later = await alice.enqueue({ type: 'test.record', payload: { label: 'never' }, delay_ms: 400 })
      const cancelled = await alice.call('POST', `/v1/jobs/${later.id}/cancel`)
      expect(cancelled.status).toBe(200)
      expect(cancelled.body.status).toBe('cancelled')

      const running = await alice.enqueue({ type: 'test.block', payload: { label: 'running' } })
      await alice.until(running.id, (j) => j.status === 'active')
      const stop = await alice.call('POST', `/v1/jobs/${running.id}/cancel`)
      expect(stop.body.status).toBe('cancelled')
      await waitFor(
        () => probe.aborted,
        (a) => a.includes('running'),
      )
      await new Promise((resolve) => setTimeout(resolve, 600))
      expect(probe.started).not.toContain('never')
      expect((await alice.get(later.id)).status).toBe('cancelled')
      expect((await alice.get(running.id)).status).toBe('cancelled')
      // Cancelling again is a no-op; a finished job cannot be cancelled.
      expect((await alice.call('POST', `/v1/jobs/${running.id}/cancel`)).status).toBe(200)
      const done = await alice.enqueue({ type: 'test.record', payload: { label: 'done' } })
      await alice.until(done.id, (j) => j.status === 'completed')
      const conflict = await alice.call('POST', `/v1/jobs/${done.id}/cancel`)
      expect(conflict.status).toBe(409)
      expect(conflict.body).toMatchObject({ code: 'CONFLICT' })
    })

    it('de-duplicates creates by idempotency key (body or header), per user', async () => {
      const first = await alice.call('POST', '/v1/jobs', {
        type: 'test.record',
        payload: { label: 'idem' },
        idempotency_key: 'k-1',
      })
      const second = await alice.call('POST', '/v1/jobs', {
        type: 'test.record',
        payload: { label: 'idem' },
        idempotency_key: 'k-1',
      })
      expect(first.status).toBe(201)
      expect(second.status).toBe(200)
      expect(second.body.id).toBe(first.body.id)
      expect(second.body.idempotency_key).toBe('k-1')
      const bob = client(server, 'bob')
      const bobs = await bob.call('POST', '/v1/jobs', {
        type: 'test.record',
        payload: { label: 'idem' },
        idempotency_key: 'k-1',
      })
      expect(bobs.status).toBe(201)
      expect(bobs.body.id).not.toBe(first.body.id)
      const h1 = await alice.call(
        'POST',
        '/v1/jobs',
        { payload: { n: 1 } },
        { 'idempotency-key': 'retry-of-one-call' },
      )
      const h2 = await alice.call(
        'POST',
        '/v1/jobs',
        { payload: { n: 1 } },
        { 'idempotency-key': 'retry-of-one-call' },
      )
      expect([h1.status, h2.status]).toEqual([201, 200])
      expect(h2.body.id).toBe(h1.body.id)
    })

    it('streams progress and completion per job over server-sent events, with Last-Event-ID replay', async () => {
      const job = await alice.enqueue({
        type: 'simulate',
        payload: { steps: 4, durationMs: 200 },
        delay_ms: 100,
      })
      const token = signDevToken({ userId: 'alice' }, SECRET)
      const controller = new AbortController()
      const res = await fetch(`${server.url}/v1/jobs/${job.id}/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      })
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
      const events: { id: string; event: string; job: Job }[] = []
      const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ''
      while (reader && !events.some((e) => e.event === 'job.completed')) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += value
        let end = buffer.indexOf('\n\n')
        while (end !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          )
          if (fields.data)
            events.push({ id: fields.id ?? '', event: fields.event ?? '', job: JSON.parse(fields.data) })
          end = buffer.indexOf('\n\n')
        }
      }
      controller.abort()
      expect(events[0]?.event).toBe('job.snapshot')
      expect(events.every((e) => e.id !== undefined && e.id !== '')).toBe(true)
      expect(events.filter((e) => e.event === 'job.progress').map((e) => e.job.progress)).toEqual([
        25, 50, 75, 100,
      ])
      expect(events.at(-1)?.job.status).toBe('completed')
      // Reconnecting after the first progress event replays exactly what came after it.
      const firstProgress = events.find((e) => e.event === 'job.progress')
      const partial = await (async () => {
        const again = await fetch(`${server.url}/v1/jobs/${job.id}/events`, {
          headers: { authorization: `Bearer ${token}`, 'last-event-id': firstProgress?.id ?? '' },
        })
        const r = again.body?.pipeThrough(new TextDecoderStream()).getReader()
        let acc = ''
        while (r && !acc.includes('job.completed')) {
          const { value, done } = await r.read()
          if (done) break
          acc += value
        }
        await r?.cancel()
        return acc
      })()
      expect(partial).not.toContain('job.snapshot')
      expect(partial.match(/event: job\.progress/g)?.length).toBe(3)
      expect(partial).toContain('event: job.completed')
    })
  })
}

describe.each(backends)('cron schedules with a fake clock ($name)', (backend) => {
  it('fires at the schedule time in its time zone, once per fire time', async () => {
    // Monday 5 January 2026, 13:58 UTC = 08:58 in New York.
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 13, 58))
    const probe: Probe = { started: [], latches: new Map(), aborted: [], flaky: { failing: false } }
    const server = await createJobsServer({
      ...backend.options,
      port: 0,
      jwtSecret: SECRET,
      logger: false,
      env: { NODE_ENV: 'test' },
      redisPrefix: `${PREFIX}-cron`,
      clock,
      notificationsUrl: null,
      defaultSchedules: false,
      clientTypes: ['test.record'],
      types: testTypes(probe),
    })
    try {
      const alice = client(server)
      const created = await alice.call('POST', '/v1/schedules', {
        name: 'morning',
        cron: '0 9 * * *',
        timezone: 'America/New_York',
        type: 'test.record',
        payload: { label: 'cron' },
      })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ next_run_at: '2026-01-05T14:00:00.000Z', user_id: 'alice' })
      const cronJobs = async () =>
        (await alice.call<JobList>('GET', '/v1/jobs?type=test.record')).body.jobs.filter(
          (j) => j.schedule === 'morning',
        )

      await clock.advance(60_000) // 13:59
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await cronJobs()).toHaveLength(0)
      // The scheduler's timers run on the fake clock; its store may be remote (Redis), so time
      // moves in small steps while the test polls.
      const advancing = async () => {
        await clock.advance(10_000)
        return cronJobs()
      }
      for (let i = 0; i < 3; i++) await clock.advance(60_000) // 14:02
      const first = await waitFor(advancing, (jobs) => jobs.length === 1)
      expect(clock.now()).toBeLessThan(Date.UTC(2026, 0, 5, 14, 10))
      await alice.until(first[0]?.id ?? '', (j) => j.status === 'completed')
      expect(probe.started).toEqual(['cron'])

      // A day later, exactly one more (the scheduler never fires a time twice).
      for (let i = 0; i < 23; i++) await clock.advance(3600_000)
      await waitFor(advancing, (jobs) => jobs.length === 2)
      expect(clock.now()).toBeLessThan(Date.UTC(2026, 0, 6, 14, 10))
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(await cronJobs()).toHaveLength(2)
      const list = await alice.call<{
        schedules: { name: string; last_run_at: string; next_run_at: string }[]
      }>('GET', '/v1/schedules')
      expect(list.body.schedules[0]).toMatchObject({
        name: 'morning',
        last_run_at: '2026-01-06T14:00:00.000Z',
        next_run_at: '2026-01-07T14:00:00.000Z',
      })
      expect((await alice.call('DELETE', '/v1/schedules/morning')).status).toBe(200)
      expect((await alice.call('DELETE', '/v1/schedules/morning')).status).toBe(404)
    } finally {
      await server.close()
    }
  })

  it('rejects a bad cron expression or time zone with a typed 400', async () => {
    const server = await createJobsServer({
      ...backend.options,
      port: 0,
      jwtSecret: SECRET,
      logger: false,
      env: { NODE_ENV: 'test' },
      redisPrefix: `${PREFIX}-cron-bad`,
      notificationsUrl: null,
      defaultSchedules: false,
    })
    try {
      const alice = client(server)
      const digest = { type: 'send-email-digest', payload: { userId: 'alice', frequency: 'daily' } }
      const badCron = await alice.call('POST', '/v1/schedules', { name: 'x', cron: '61 * * * *', ...digest })
      expect(badCron.status).toBe(400)
      expect(badCron.body).toMatchObject({ code: 'VALIDATION_FAILED' })
      const badZone = await alice.call('POST', '/v1/schedules', {
        name: 'x',
        cron: '0 8 * * *',
        timezone: 'Mars/Olympus',
        ...digest,
      })
      expect(badZone.status).toBe(400)
    } finally {
      await server.close()
    }
  })
})
