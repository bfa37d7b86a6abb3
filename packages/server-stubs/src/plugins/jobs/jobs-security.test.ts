import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Job, JobList, QueueList } from '@nself/contracts/jobs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { signDevToken } from '../../auth/jwt'
import { startTestJobsServer } from '../../testing'
import {
  checkTargetUrl,
  isPrivateAddress,
  safeLookup,
  signWebhook,
  verifyWebhookSignature,
} from './callback-security'
import type { JobsServer } from './server'

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>()
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) }
})

const SECRET = 'jobs-security-test-secret-0123456789'

function as(server: JobsServer, userId: string, role?: string) {
  const token = signDevToken({ userId, ...(role ? { role } : {}) }, SECRET)
  return async <T = Job & { code?: string; details?: unknown }>(
    method: string,
    path: string,
    body?: unknown,
    raw?: string,
  ) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: (await res.json()) as T }
  }
}

describe('jobs security', () => {
  let server: JobsServer
  let alice: ReturnType<typeof as>
  let bob: ReturnType<typeof as>
  let service: ReturnType<typeof as>

  beforeAll(async () => {
    server = await startTestJobsServer({
      jwtSecret: SECRET,
    })
    alice = as(server, 'alice')
    bob = as(server, 'bob')
    service = as(server, 'backend', 'service')
  })
  afterAll(() => server.close())

  it("keeps users to their own jobs: B cannot read, watch, cancel, retry, revive or delete A's", async () => {
    const job = (await alice('POST', '/v1/jobs', { payload: { secret: 'a' }, delay_ms: 60_000 })).body
    expect(job.user_id).toBe('alice')
    for (const [method, path] of [
      ['GET', `/v1/jobs/${job.id}`],
      ['POST', `/v1/jobs/${job.id}/cancel`],
      ['POST', `/v1/jobs/${job.id}/retry`],
      ['POST', `/v1/dlq/${job.id}/revive`],
      ['DELETE', `/v1/jobs/${job.id}`],
    ] as const) {
      const res = await bob(method, path)
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.body.code).toBe('NOT_FOUND')
    }
    const events = await fetch(`${server.url}/v1/jobs/${job.id}/events`, {
      headers: { authorization: `Bearer ${signDevToken({ userId: 'bob' }, SECRET)}` },
    })
    expect(events.status).toBe(404)
    expect((await bob<JobList>('GET', '/v1/jobs')).body.jobs.map((j) => j.id)).not.toContain(job.id)
    expect((await bob<QueueList>('GET', '/v1/queues')).body.queues).toEqual([])
    // Still pending, untouched; alice and a service token see it.
    expect((await alice('GET', `/v1/jobs/${job.id}`)).body.status).toBe('pending')
    expect((await service('GET', `/v1/jobs/${job.id}`)).status).toBe(200)
    expect((await service<JobList>('GET', '/v1/jobs?user_id=alice')).body.jobs.map((j) => j.id)).toContain(
      job.id,
    )
  })

  it("streams to a user only their own jobs' events", async () => {
    const controller = new AbortController()
    const res = await fetch(`${server.url}/v1/jobs/events`, {
      headers: { authorization: `Bearer ${signDevToken({ userId: 'bob' }, SECRET)}` },
      signal: controller.signal,
    })
    const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader()
    await alice('POST', '/v1/jobs', { payload: { n: 1 } })
    const mine = (await bob('POST', '/v1/jobs', { payload: { n: 2 } })).body
    let text = ''
    while (reader && !text.includes(mine.id)) text += (await reader.read()).value ?? ''
    controller.abort()
    expect(text).not.toContain('"user_id":"alice"')
    expect(text).toContain('"user_id":"bob"')
  })

  it('refuses job types outside the allow-list for user tokens, and other users in the body', async () => {
    const backup = await alice('POST', '/v1/jobs', { type: 'database-backup', payload: {} })
    expect(backup.status).toBe(403)
    expect(backup.body.code).toBe('JOB_TYPE_NOT_ALLOWED')
    const schedule = await alice('POST', '/v1/schedules', {
      name: 'b',
      cron: '0 3 * * 0',
      type: 'database-backup',
    })
    expect(schedule.status).toBe(403)
    const forBob = await alice('POST', '/v1/jobs', {
      type: 'send-email-digest',
      payload: { userId: 'bob', frequency: 'daily' },
    })
    expect(forBob.status).toBe(403)
    expect(forBob.body.code).toBe('FORBIDDEN')
    const asBob = await alice('POST', '/v1/jobs', { payload: {}, user_id: 'bob' })
    expect(asBob.status).toBe(403)
    // A service token may do both.
    expect((await service('POST', '/v1/jobs', { type: 'database-backup', delay_ms: 60_000 })).status).toBe(
      201,
    )
    const onBehalf = await service('POST', '/v1/jobs', {
      type: 'send-email-digest',
      payload: { userId: 'bob', frequency: 'daily' },
      user_id: 'bob',
      delay_ms: 60_000,
    })
    expect(onBehalf.status).toBe(201)
    expect(onBehalf.body.user_id).toBe('bob')
  })

  it('answers malformed input with typed 4xx errors', async () => {
    const cases: [unknown, string | undefined, number, string][] = [
      [
        { type: 'send-email-digest', payload: { userId: 'alice', frequency: 'yearly' } },
        undefined,
        400,
        'VALIDATION_FAILED',
      ],
      [{ type: 'no-such-type' }, undefined, 400, 'VALIDATION_FAILED'],
      [{ priority: 'high' }, undefined, 400, 'VALIDATION_FAILED'],
      [{ max_attempts: 0 }, undefined, 400, 'VALIDATION_FAILED'],
      [{ run_at: 'tomorrow' }, undefined, 400, 'VALIDATION_FAILED'],
      [{ delay_ms: 10, run_at: new Date().toISOString() }, undefined, 400, 'VALIDATION_FAILED'],
      [undefined, '{"queue":', 400, 'MALFORMED_JSON'],
    ]
    for (const [body, raw, status, code] of cases) {
      const res = await alice('POST', '/v1/jobs', body, raw)
      expect(res.status, JSON.stringify(body ?? raw)).toBe(status)
      expect(res.body.code).toBe(code)
      expect(typeof res.body.error).toBe('string')
    }
    const invalid = await alice('POST', '/v1/jobs', {
      type: 'send-email-digest',
      payload: { userId: 'alice', frequency: 'yearly' },
    })
    expect(Array.isArray(invalid.body.details)).toBe(true)
    expect((await alice('GET', '/v1/jobs?limit=5000')).status).toBe(400)
    expect((await alice('GET', '/v1/jobs?status=sleeping')).status).toBe(400)
    const unauthenticated = await fetch(`${server.url}/v1/jobs`)
    expect(unauthenticated.status).toBe(401)
  })

  it('refuses callbacks to private, loopback and link-local targets (SSRF)', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.5/',
      'http://192.168.1.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://2130706433/',
      'http://0x7f000001/',
      'ftp://example.com/',
      'http://user:pass@example.com/',
    ]) {
      const res = await alice('POST', '/v1/jobs', { callback_url: url })
      expect(res.status, url).toBe(400)
      expect(res.body.code, url).toBe('CALLBACK_URL_FORBIDDEN')
    }
    // http-request jobs (service only) are held to the same rule.
    const req = await service('POST', '/v1/jobs', {
      type: 'http-request',
      payload: { url: 'http://127.0.0.1:9/' },
    })
    expect(req.body.code).toBe('CALLBACK_URL_FORBIDDEN')
    expect(checkTargetUrl('https://example.com/hook', false).hostname).toBe('example.com')
    expect(isPrivateAddress('8.8.8.8')).toBe(false)
    expect(isPrivateAddress('::ffff:7f00:1')).toBe(true)
    expect(isPrivateAddress('fd00::1')).toBe(true)
    // A name is checked again when connecting, on the address it resolves to.
    const resolved = await new Promise<unknown>((resolve) =>
      safeLookup(false)('localhost', {}, (error) => resolve(error)),
    )
    expect((resolved as { code?: string }).code).toBe('CALLBACK_URL_FORBIDDEN')
  })

  it('shows the dashboard only to a token holder, and a user only their own jobs', async () => {
    const own = (await alice('POST', '/v1/jobs', { queue: 'mine', delay_ms: 60_000 })).body
    const theirs = (await bob('POST', '/v1/jobs', { queue: 'theirs', delay_ms: 60_000 })).body
    const anonymous = await fetch(`${server.url}/dashboard`)
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('content-type')).toMatch(/text\/html/)
    const token = signDevToken({ userId: 'alice' }, SECRET)
    const login = await fetch(`${server.url}/dashboard?token=${token}`, { redirect: 'manual' })
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/dashboard')
    const cookie = login.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const page = await fetch(`${server.url}/dashboard`, { headers: { cookie: cookie.split(';')[0] ?? '' } })
    const html = await page.text()
    expect(page.status).toBe(200)
    expect(html).toContain(own.id.slice(0, 8))
    expect(html).not.toContain(theirs.id.slice(0, 8))
    const forged = await fetch(`${server.url}/dashboard`, {
      headers: { cookie: 'nself_jobs_dashboard=not-a-jwt' },
    })
    expect(forged.status).toBe(401)
    // Bull Board exists only on the BullMQ backend.
    const board = await fetch(`${server.url}/dashboard/bull`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(board.status).toBe(404)
  })

  it('signs callbacks with X-Webhook-Signature, verified in constant time', async () => {
    const received: { headers: IncomingMessage['headers']; body: string }[] = []
    const receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c
      })
      req.on('end', () => {
        received.push({ headers: req.headers, body })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const dev = await startTestJobsServer({
      jwtSecret: SECRET,
      allowPrivateCallbacks: true,
      webhookSecret: 'whsec-test',
    })
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
      const created = await as(dev, 'alice')('POST', '/v1/jobs', {
        queue: 'hooks',
        payload: { hello: 'world' },
        callback_url: url,
      })
      expect(created.status).toBe(201)
      for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
      const [delivery] = received
      expect(delivery?.body).toBe('{"hello":"world"}')
      expect(delivery?.headers['x-job-id']).toBe(created.body.id)
      expect(delivery?.headers['x-job-queue']).toBe('hooks')
      expect(delivery?.headers['x-job-attempt']).toBe('1')
      expect(delivery?.headers['x-webhook-signature-version']).toBe('v1')
      const signature = String(delivery?.headers['x-webhook-signature'])
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)

      const { timingSafeEqual } = await import('node:crypto')
      vi.mocked(timingSafeEqual).mockClear()
      expect(verifyWebhookSignature(signature, delivery?.body ?? '', 'whsec-test')).toBe(true)
      expect(vi.mocked(timingSafeEqual)).toHaveBeenCalled()
      expect(verifyWebhookSignature(signature, '{"hello":"mallory"}', 'whsec-test')).toBe(false)
      expect(verifyWebhookSignature(signature, delivery?.body ?? '', 'other-secret')).toBe(false)
      expect(
        verifyWebhookSignature(signature.replace(/v1=\w+/, 'v1=abc'), delivery?.body ?? '', 'whsec-test'),
      ).toBe(false)
      expect(verifyWebhookSignature(undefined, 'x', 'whsec-test')).toBe(false)
      const old = signWebhook('x', 'whsec-test', Math.floor(Date.now() / 1000) - 3600)
      expect(verifyWebhookSignature(old, 'x', 'whsec-test')).toBe(false)
      expect(verifyWebhookSignature(old, 'x', 'whsec-test', { toleranceSeconds: 7200 })).toBe(true)
      await expect
        .poll(async () => (await as(dev, 'alice')('GET', `/v1/jobs/${created.body.id}`)).body.status)
        .toBe('completed')
    } finally {
      await dev.close()
      receiver.close()
    }
  })
})
