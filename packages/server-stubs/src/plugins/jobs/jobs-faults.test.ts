import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Job, JobList } from '@nself/contracts/jobs'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { signDevToken } from '../../auth/jwt'

// Faults on the BullMQ backend, against real Redis (CI sets REDIS_URL): a stub process is
// SIGKILLed while jobs run, another one started on the same prefix; every job must complete
// exactly once, or be retried (and dead-lettered) per its policy. Nothing may be lost.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const SECRET = 'jobs-faults-test-secret-0123456789'
const PREFIX = `nself-jobs-fault-${process.pid}-${Date.now()}`
const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '../../../../..')

// The worker process: the real server with one job type that counts its runs and
// completions in Redis, so the test can see what happened inside a process it killed.
const WORKER = `
import { Redis } from 'ioredis'
import { createJobsServer } from ${JSON.stringify(path.join(HERE, 'server.ts'))}
const redis = new Redis(process.env.REDIS_URL)
const prefix = process.env.PREFIX
const server = await createJobsServer({
  port: 0, jwtSecret: process.env.SECRET, logger: false, env: { NODE_ENV: 'test' },
  backend: 'bullmq', redisUrl: process.env.REDIS_URL, redisPrefix: prefix,
  concurrency: 3, lockDurationMs: 2000, notificationsUrl: null, defaultSchedules: false, clientTypes: ['fault.work'],
  types: {
    'fault.work': {
      async handler({ job, signal }) {
        await redis.incr(prefix + ':runs:' + job.id)
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, job.payload.ms)
          signal.addEventListener('abort', () => { clearTimeout(t); reject(new Error('aborted')) })
        })
        await redis.incr(prefix + ':done:' + job.id)
        await redis.hset(prefix + ':ran-by', job.id, String(process.pid))
        return { ok: true }
      },
    },
  },
})
process.stdout.write('URL ' + server.url + '\\n')
`

function startWorker(script: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@nself/source', '--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL, PREFIX, SECRET, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${err}`)), 20_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk
      const match = /URL (\S+)/.exec(out)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve({ child, url: match[1] })
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`worker exited with ${code}: ${err}`))
    })
  })
}

describe('jobs on BullMQ: a process killed mid-job', () => {
  const children: ChildProcess[] = []
  const redis = new Redis(REDIS_URL)
  let script: string | undefined
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL')
    if (script) rmSync(script, { force: true })
    const keys = await redis.keys(`${PREFIX}*`)
    if (keys.length) await redis.del(...keys)
    redis.disconnect()
  })

  it('loses nothing: every job completes exactly once, or is retried and dead-lettered per policy', async () => {
    // Inside the repository, so the worker resolves the workspace's packages.
    const dir = path.join(ROOT, 'node_modules/.cache/nself-jobs-tests')
    mkdirSync(dir, { recursive: true })
    script = path.join(dir, `worker-${process.pid}.mts`)
    writeFileSync(script, WORKER)
    const token = signDevToken({ userId: 'alice' }, SECRET)
    const api = async <T>(url: string, method: string, p: string, body?: unknown) => {
      const res = await fetch(`${url}${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`)
      return (await res.json()) as T
    }

    const first = await startWorker(script as string)
    children.push(first.child)
    const ids: string[] = []
    for (let i = 0; i < 12; i++) {
      ids.push(
        (
          await api<Job>(first.url, 'POST', '/v1/jobs', {
            type: 'fault.work',
            payload: { ms: 400 },
            max_attempts: 3,
          })
        ).id,
      )
    }
    // One that may run only once: killed mid-run, it must end in the dead-letter queue.
    const once = (
      await api<Job>(first.url, 'POST', '/v1/jobs', {
        type: 'fault.work',
        payload: { ms: 3000 },
        max_attempts: 1,
        priority: 10,
      })
    ).id
    // One not yet due when the process dies: the next process must run it.
    const delayed = (
      await api<Job>(first.url, 'POST', '/v1/jobs', {
        type: 'fault.work',
        payload: { ms: 50 },
        delay_ms: 1500,
      })
    ).id

    // Wait until jobs are running (and some done), then kill the process without warning.
    for (let i = 0; i < 500; i++) {
      const active = await api<JobList>(first.url, 'GET', '/v1/jobs?status=active')
      const done = await api<JobList>(first.url, 'GET', '/v1/jobs?status=completed')
      if (active.jobs.some((j) => j.id === once) && active.count >= 2 && done.count >= 2) break
      await new Promise((r) => setTimeout(r, 20))
    }
    const runningWhenKilled = (await api<JobList>(first.url, 'GET', '/v1/jobs?status=active')).jobs.map(
      (j) => j.id,
    )
    expect(runningWhenKilled.length).toBeGreaterThan(0)
    expect(runningWhenKilled).toContain(once)
    first.child.kill('SIGKILL')
    await new Promise((resolve) => first.child.once('exit', resolve))
    // A job listed as active may still have finished before the signal landed: only those with
    // no completion event from the killed process were really cut off.
    const completedBeforeKill = completionCounts(await redis.xrange(`${PREFIX}:events`, '-', '+'))
    const cutOff = runningWhenKilled.filter((id) => id !== once && !completedBeforeKill.has(id))

    const second = await startWorker(script as string)
    children.push(second.child)
    const all = [...ids, once, delayed]
    const finished = async () => Promise.all(all.map((id) => api<Job>(second.url, 'GET', `/v1/jobs/${id}`)))
    let jobs = await finished()
    for (let i = 0; i < 600 && jobs.some((j) => j.status === 'pending' || j.status === 'active'); i++) {
      await new Promise((r) => setTimeout(r, 50))
      jobs = await finished()
    }
    const byId = new Map(jobs.map((j) => [j.id, j]))
    for (const id of [...ids, delayed]) {
      const job = byId.get(id)
      expect(job?.status, id).toBe('completed')
      // The handler's last step ran exactly once per job, even for jobs taken over.
      expect(await redis.get(`${PREFIX}:done:${id}`), id).toBe('1')
      const runs = Number(await redis.get(`${PREFIX}:runs:${id}`))
      expect(runs).toBeLessThanOrEqual(3)
      // An attempt counts from the claim: the kill may land between a claim and the handler's
      // first step, so a job can show one attempt more than its handler runs, never more.
      expect(job?.attempts ?? 0).toBeGreaterThanOrEqual(runs)
      expect(job?.attempts ?? 0).toBeLessThanOrEqual(runs + 1)
    }
    // The jobs cut off mid-run were retried (a second attempt) by the new process.
    for (const id of cutOff) {
      expect(byId.get(id)?.attempts, id).toBeGreaterThanOrEqual(2)
    }
    // max_attempts 1, killed mid-run: no attempt left, so it is failed and dead-lettered.
    expect(byId.get(once)).toMatchObject({ status: 'failed', attempts: 1, dead_lettered: true })
    expect(await redis.get(`${PREFIX}:done:${once}`)).toBeNull()
    const dlq = await api<JobList>(second.url, 'GET', '/v1/dlq')
    expect(dlq.jobs.map((j) => j.id)).toEqual([once])
    // Each job reached `completed` in exactly one event.
    const completions = completionCounts(await redis.xrange(`${PREFIX}:events`, '-', '+'))
    for (const id of [...ids, delayed]) expect(completions.get(id), id).toBe(1)
  }, 60_000)

  it('shares one queue between processes: each job runs once, in one of them', async () => {
    // The process started after the kill is still running; start a second one beside it.
    expect(children.length).toBe(2)
    const other = await startWorker(script as string)
    children.push(other.child)
    const token = signDevToken({ userId: 'alice' }, SECRET)
    const ids: string[] = []
    for (let i = 0; i < 16; i++) {
      const res = await fetch(`${other.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'fault.work', payload: { ms: 300 } }),
      })
      ids.push(((await res.json()) as Job).id)
    }
    for (let i = 0; i < 400; i++) {
      const done = await Promise.all(ids.map((id) => redis.get(`${PREFIX}:done:${id}`)))
      if (done.every((d) => d === '1')) break
      await new Promise((r) => setTimeout(r, 50))
    }
    const pids = await Promise.all(ids.map((id) => redis.hget(`${PREFIX}:ran-by`, id)))
    for (const id of ids) expect(await redis.get(`${PREFIX}:done:${id}`), id).toBe('1')
    // With 3 slots per process and 16 jobs of 300 ms, both processes took work.
    expect(new Set(pids).size).toBe(2)
  }, 60_000)
})

/** How many `job.completed` events each job has in the event stream. */
function completionCounts(events: Array<[string, string[]]>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const [, fields] of events) {
    if (fields[1] !== 'job.completed') continue
    const id = (JSON.parse(fields[3] ?? '{}') as Job).id
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}
