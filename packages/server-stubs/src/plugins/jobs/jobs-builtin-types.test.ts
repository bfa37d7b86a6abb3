import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Job } from '@nself/contracts/jobs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signDevToken } from '../../auth/jwt'
import { startTestJobsServer } from '../../testing'
import { createNotificationsServer, type NotificationsServer } from '../notifications/server'
import type { JobsServer } from './server'

// The built-in job types do real work: a digest mailed through the notifications stub, files
// written, old jobs cleaned up.
const SECRET = 'jobs-builtin-test-secret-0123456789'

async function call<T = Job>(
  server: { url: string },
  token: string,
  method: string,
  p: string,
  body?: unknown,
) {
  const res = await fetch(`${server.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as T }
}

async function finished(server: JobsServer, token: string, id: string): Promise<Job> {
  for (let i = 0; i < 500; i++) {
    const { body } = await call(server, token, 'GET', `/v1/jobs/${id}`)
    if (body.status !== 'pending' && body.status !== 'active') return body
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`job ${id} did not finish`)
}

describe('built-in job types', () => {
  let notifications: NotificationsServer
  let jobs: JobsServer
  let unreachable: JobsServer
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nself-jobs-builtin-'))
  const alice = signDevToken({ userId: 'alice' }, SECRET)
  const service = signDevToken({ userId: 'ops', role: 'service' }, SECRET)

  beforeAll(async () => {
    notifications = await createNotificationsServer({
      port: 0,
      jwtSecret: SECRET,
      logger: false,
      env: { NODE_ENV: 'test' },
    })
    const common = { jwtSecret: SECRET, dataDir }
    jobs = await startTestJobsServer({ ...common, notificationsUrl: notifications.url })
    // Nothing listens on port 9 of loopback.
    unreachable = await startTestJobsServer({
      ...common,
      notificationsUrl: 'http://127.0.0.1:9',
      maxAttempts: 1,
    })
  })
  afterAll(async () => {
    await Promise.all([jobs?.close(), unreachable?.close(), notifications?.close()])
  })

  it('send-email-digest mails the user a summary through the notifications plugin', async () => {
    const created = await call(jobs, alice, 'POST', '/v1/jobs', {
      type: 'send-email-digest',
      payload: { userId: 'alice', frequency: 'daily' },
    })
    expect(created.status).toBe(201)
    const done = await finished(jobs, alice, created.body.id)
    expect(done.error).toBeNull()
    expect(done).toMatchObject({ status: 'completed', progress: 100, result: { sent: true } })
    // The notifications plugin delivers asynchronously: the email reaches its capture shortly.
    let subjects: string[] = []
    for (let i = 0; i < 300 && subjects.length === 0; i++) {
      const captured = await call<{ deliveries: { user_id: string; subject?: string }[] }>(
        notifications,
        alice,
        'GET',
        '/v1/dev/deliveries?channel=email',
      )
      subjects = captured.body.deliveries.filter((d) => d.user_id === 'alice').map((d) => d.subject ?? '')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(subjects).toContain('Your daily digest')
  })

  it('send-email-digest fails honestly when the notifications plugin is unreachable', async () => {
    const created = await call(unreachable, alice, 'POST', '/v1/jobs', {
      type: 'send-email-digest',
      payload: { userId: 'alice', frequency: 'weekly' },
    })
    const done = await finished(unreachable, alice, created.body.id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/unreachable/)
    expect(done.dead_lettered).toBe(true)
  })

  it('database-backup and generate-analytics write their files; cleanup-old-messages deletes old finished jobs', async () => {
    const backup = await call(jobs, service, 'POST', '/v1/jobs', {
      type: 'database-backup',
      payload: { label: 'test' },
    })
    const backedUp = await finished(jobs, service, backup.body.id)
    const file = (backedUp.result as { file: string }).file
    expect(file.startsWith(dataDir)).toBe(true)
    expect(file).toMatch(/-test\.json$/)
    expect(JSON.parse(readFileSync(file, 'utf8')).jobs.length).toBeGreaterThan(0)

    const today = new Date().toISOString().slice(0, 10)
    const analytics = await call(jobs, service, 'POST', '/v1/jobs', {
      type: 'generate-analytics',
      payload: { date: today },
    })
    const report = (await finished(jobs, service, analytics.body.id)).result as {
      file: string
      jobs: number
      byType: object
    }
    expect(existsSync(report.file)).toBe(true)
    expect(report.jobs).toBeGreaterThanOrEqual(2)
    expect(report.byType).toHaveProperty('database-backup')

    // Nothing is 0 days old before now… except everything finished: cleanup with 0 days removes them.
    const cleanup = await call(jobs, service, 'POST', '/v1/jobs', {
      type: 'cleanup-old-messages',
      payload: { olderThanDays: 0 },
    })
    const cleaned = (await finished(jobs, service, cleanup.body.id)).result as { jobsDeleted: number }
    expect(cleaned.jobsDeleted).toBeGreaterThanOrEqual(2)
    expect((await call(jobs, service, 'GET', `/v1/jobs/${backup.body.id}`)).status).toBe(404)
  })
})
