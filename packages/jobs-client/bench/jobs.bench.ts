// Jobs benchmarks. Run: `npm run bench -- jobs` (build first; Redis on REDIS_URL, else 127.0.0.1:6379).
// - jobs.enqueue.<backend>.per_s: jobs enqueued per second over HTTP through JobQueueService
//   (20 in flight), against the same POSTs sent with bare fetch in the same run.
// - jobs.completion_to_ui.p50_ms / p99_ms: from the server publishing a job's completion to
//   `watch()` handing it to the app (server-sent events), against polling every 1 s (a change
//   waits for the next poll).
import { JobQueueService } from '@nself/jobs-client'
import { Redis } from 'ioredis'
import { signDevToken } from '../../server-stubs/src/auth/jwt'
import { createJobsServer, type JobsServer } from '../../server-stubs/src/plugins/jobs/server'

const SECRET = 'bench-secret-0123456789abcdef'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const ENQUEUE_MS = Number(process.env.BENCH_JOBS_ENQUEUE_MS ?? 2000)
const IN_FLIGHT = 20
const WATCHED = Number(process.env.BENCH_JOBS_WATCHED ?? 200)
const POLL_MS = 1000

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}
const round = (x: number) => Math.round(x * 100) / 100

async function start(backend: 'memory' | 'bullmq'): Promise<JobsServer> {
  const prefix = `nself-jobs-bench-${process.pid}-${backend}`
  const server = await createJobsServer({
    port: 0,
    jwtSecret: SECRET,
    logger: false,
    env: { NODE_ENV: 'production' },
    backend,
    redisUrl: REDIS_URL,
    redisPrefix: prefix,
    notificationsUrl: null,
    defaultSchedules: false,
    clientTypes: ['simulate'],
    concurrency: 50,
  })
  if (backend === 'memory') return server
  // Leave nothing behind in Redis.
  const close = server.close.bind(server)
  return Object.assign(server, {
    close: async () => {
      await close()
      const redis = new Redis(REDIS_URL)
      for (;;) {
        const keys = await redis.keys(`${prefix}*`)
        if (keys.length === 0) break
        for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500))
      }
      redis.disconnect()
    },
  })
}

/** Enqueues for `ms` with `IN_FLIGHT` requests outstanding; jobs per second. */
async function rate(send: () => Promise<unknown>, ms: number): Promise<number> {
  let done = 0
  const until = performance.now() + ms
  const started = performance.now()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < until) {
        await send()
        done++
      }
    }),
  )
  return done / ((performance.now() - started) / 1000)
}

async function enqueueRate(backend: 'memory' | 'bullmq') {
  const server = await start(backend)
  try {
    const token = signDevToken({ userId: 'bench', expiresIn: '1h' }, SECRET)
    const jobs = new JobQueueService({ baseUrl: server.url, getToken: () => token })
    // Plain queue jobs with nothing to deliver: the figure is the enqueue path, not the work.
    const body = JSON.stringify({ queue: 'bench', payload: { n: 1 } })
    await rate(() => jobs.enqueue({ queue: 'bench', payload: { n: 1 } }), 300) // warm-up
    const bare = () =>
      fetch(`${server.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      }).then((r) => r.arrayBuffer())
    const sdk = () => jobs.enqueue({ queue: 'bench', payload: { n: 1 } })
    // Interleaved, best of two each, so warm-up and a growing store favour neither.
    let raw = 0
    let ours = 0
    for (let i = 0; i < 2; i++) {
      raw = Math.max(raw, await rate(bare, ENQUEUE_MS / 2))
      ours = Math.max(ours, await rate(sdk, ENQUEUE_MS / 2))
    }
    return {
      value: Math.round(ours),
      unit: 'jobs/s',
      baseline: Math.round(raw),
      note: `vs bare fetch, ${IN_FLIGHT} in flight`,
    }
  } finally {
    await server.close()
  }
}

/** Completion → app latency of `WATCHED` jobs finishing at random times, watched one way or the other. */
async function completionLatency(server: JobsServer, watch: 'sse' | 'poll'): Promise<number[]> {
  const token = signDevToken({ userId: 'bench', expiresIn: '1h' }, SECRET)
  const jobs = new JobQueueService({ baseUrl: server.url, getToken: () => token, retry: false })
  const completedAt = new Map<string, number>()
  const seenAt = new Map<string, number>()
  const stop = server.store.subscribe((e) => {
    if (e.event === 'job.completed') completedAt.set(e.job.id, performance.now())
  })
  const created = await Promise.all(
    Array.from({ length: WATCHED }, () =>
      jobs.enqueue({
        type: 'simulate',
        // Done 3–4.5 s after enqueue: every watcher is connected by then, as in an app.
        payload: { durationMs: 3000 + Math.floor(Math.random() * 1500), steps: 1 },
      }),
    ),
  )
  await Promise.all(
    created.map(async (job) => {
      if (watch === 'sse') {
        for await (const state of jobs.watch(job.id)) {
          if (state.status === 'completed') seenAt.set(job.id, performance.now())
        }
        return
      }
      // The baseline: what an app polling every second sees.
      for (;;) {
        const state = await jobs.get(job.id)
        if (state.status === 'completed') return seenAt.set(job.id, performance.now())
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
    }),
  )
  stop()
  return created
    .map((job) => (seenAt.get(job.id) ?? Number.NaN) - (completedAt.get(job.id) ?? Number.NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b)
}

let latency: { sse: number[]; poll: number[] } | undefined
async function latencies() {
  if (!latency) {
    const server = await start('memory')
    try {
      latency = { sse: await completionLatency(server, 'sse'), poll: await completionLatency(server, 'poll') }
    } finally {
      await server.close()
    }
  }
  return latency
}

export const benchmarks = [
  { id: 'jobs.enqueue.memory.per_s', run: () => enqueueRate('memory') },
  { id: 'jobs.enqueue.bullmq.per_s', run: () => enqueueRate('bullmq') },
  {
    id: 'jobs.completion_to_ui.p50_ms',
    async run() {
      const { sse, poll } = await latencies()
      return {
        value: round(percentile(sse, 50)),
        unit: 'ms',
        baseline: round(percentile(poll, 50)),
        better: 'lower',
        note: `${sse.length} jobs; baseline: 1 s polling`,
      }
    },
  },
  {
    id: 'jobs.completion_to_ui.p99_ms',
    async run() {
      const { sse, poll } = await latencies()
      return {
        value: round(percentile(sse, 99)),
        unit: 'ms',
        baseline: round(percentile(poll, 99)),
        better: 'lower',
        note: `goal < 50 ms; baseline: 1 s polling`,
      }
    },
  },
]
