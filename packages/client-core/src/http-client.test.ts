import { configureNself, HttpClient, isNselfError, NselfError } from '@nself/client-core'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import * as z from 'zod/mini'

const BASE = 'http://jobs.test'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  server.resetHandlers()
  configureNself({})
})
afterAll(() => server.close())

const client = (options: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({
    plugin: 'jobs',
    baseUrl: BASE,
    retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  })

async function rejection(promise: Promise<unknown>): Promise<NselfError> {
  try {
    await promise
  } catch (error) {
    if (isNselfError(error)) return error
    throw new Error(`expected an NselfError, got ${String(error)}`)
  }
  throw new Error('expected the call to fail')
}

describe('HttpClient', () => {
  it('sends the token from getToken on every request, with query and JSON body', async () => {
    const seen: Array<{ auth: string | null; url: string; body: unknown }> = []
    server.use(
      http.post(`${BASE}/v1/jobs`, async ({ request }) => {
        seen.push({
          auth: request.headers.get('authorization'),
          url: request.url,
          body: await request.json(),
        })
        return HttpResponse.json({ id: 'j1' }, { status: 201 })
      }),
    )
    let n = 0
    const c = client({ getToken: () => `t${++n}` })
    await expect(
      c.request({ method: 'POST', path: '/v1/jobs', query: { a: 1, b: undefined }, body: { x: 1 } }),
    ).resolves.toEqual({
      id: 'j1',
    })
    await c.request({ method: 'POST', path: '/v1/jobs', body: {} })
    expect(seen.map((s) => s.auth)).toEqual(['Bearer t1', 'Bearer t2'])
    expect(seen[0]?.url).toBe(`${BASE}/v1/jobs?a=1`)
    expect(seen[0]?.body).toEqual({ x: 1 })
  })

  it('refreshes the token once on 401 and retries with the new one', async () => {
    const auths: Array<string | null> = []
    server.use(
      http.get(`${BASE}/me`, ({ request }) => {
        auths.push(request.headers.get('authorization'))
        return request.headers.get('authorization') === 'Bearer fresh'
          ? HttpResponse.json({ ok: true })
          : HttpResponse.json({ error: 'expired', code: 'TOKEN_EXPIRED' }, { status: 401 })
      }),
    )
    const getToken = vi.fn(({ forceRefresh }: { forceRefresh: boolean }) =>
      forceRefresh ? 'fresh' : 'stale',
    )
    await expect(client({ getToken }).request({ path: '/me' })).resolves.toEqual({ ok: true })
    expect(auths).toEqual(['Bearer stale', 'Bearer fresh'])
    expect(getToken.mock.calls.map(([r]) => r.forceRefresh)).toEqual([false, true])
  })

  it('gives up after one refresh when the server keeps answering 401', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/me`, () => {
        calls++
        return HttpResponse.json({ error: 'Invalid token', code: 'INVALID_TOKEN' }, { status: 401 })
      }),
    )
    const error = await rejection(client({ getToken: () => 'bad' }).request({ path: '/me' }))
    expect(error.code).toBe('INVALID_TOKEN')
    expect(error.status).toBe(401)
    expect(error.retryable).toBe(false)
    expect(calls).toBe(2)
  })

  it('retries 5xx on a mutation with the same idempotency key, then succeeds', async () => {
    const keys: Array<string | null> = []
    server.use(
      http.post(`${BASE}/v1/jobs`, ({ request }) => {
        keys.push(request.headers.get('idempotency-key'))
        return keys.length < 3
          ? HttpResponse.json({ error: 'down' }, { status: 503 })
          : HttpResponse.json({ id: 'j' })
      }),
    )
    await expect(client().request({ method: 'POST', path: '/v1/jobs', body: {} })).resolves.toEqual({
      id: 'j',
    })
    expect(keys).toHaveLength(3)
    expect(new Set(keys).size).toBe(1)
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('uses a new idempotency key per call and none on GET', async () => {
    const keys: Array<string | null> = []
    server.use(
      http.all(`${BASE}/x`, ({ request }) => {
        keys.push(request.headers.get('idempotency-key'))
        return HttpResponse.json({})
      }),
    )
    const c = client()
    await c.request({ method: 'POST', path: '/x' })
    await c.request({ method: 'POST', path: '/x' })
    await c.request({ method: 'POST', path: '/x', idempotencyKey: 'mine' })
    await c.request({ path: '/x' })
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) await c.request({ method, path: '/x' })
    expect(keys[0]).not.toBe(keys[1])
    expect(keys.slice(2, 4)).toEqual(['mine', null])
    for (const key of keys.slice(4)) expect(key).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('honours Retry-After on 429 rather than its own short backoff', async () => {
    const times: number[] = []
    server.use(
      http.get(`${BASE}/slow`, () => {
        times.push(Date.now())
        return times.length === 1
          ? HttpResponse.json({ error: 'slow down' }, { status: 429, headers: { 'retry-after': '0.25' } })
          : HttpResponse.json({ ok: 1 })
      }),
    )
    await client({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 10_000 } }).request({ path: '/slow' })
    expect(times).toHaveLength(2)
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(240)
  })

  it('does not retry a 4xx and keeps the server code, status and details', async () => {
    let calls = 0
    server.use(
      http.post(`${BASE}/v1/jobs`, () => {
        calls++
        return HttpResponse.json(
          { error: 'bad payload', code: 'VALIDATION_FAILED', details: [{ path: ['queue'] }] },
          { status: 400 },
        )
      }),
    )
    const error = await rejection(client().request({ method: 'POST', path: '/v1/jobs', body: {} }))
    expect(calls).toBe(1)
    expect(error).toBeInstanceOf(NselfError)
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      retryable: false,
      message: 'bad payload',
    })
    expect(error.details).toEqual([{ path: ['queue'] }])
  })

  it('maps a real plugin error body without a code by its status', async () => {
    server.use(
      http.get(`${BASE}/v1/jobs/nope`, () => HttpResponse.json({ error: 'job not found' }, { status: 404 })),
    )
    const error = await rejection(client().request({ path: '/v1/jobs/nope' }))
    expect(error).toMatchObject({ code: 'NOT_FOUND', status: 404, message: 'job not found' })
  })

  it('retries network errors and reports NETWORK_ERROR when they persist', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/flaky`, () => {
        calls++
        return HttpResponse.error()
      }),
    )
    const error = await rejection(client().request({ path: '/flaky' }))
    expect(error.code).toBe('NETWORK_ERROR')
    expect(error.retryable).toBe(true)
    expect(calls).toBe(4)
  })

  it('stops at once when aborted, without retrying', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/hang`, async () => {
        calls++
        await new Promise((r) => setTimeout(r, 5_000))
        return HttpResponse.json({})
      }),
    )
    const controller = new AbortController()
    const pending = client().request({ path: '/hang', signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    const error = await rejection(pending)
    expect(error.code).toBe('ABORTED')
    expect(calls).toBe(1)
  })

  it('reports TIMEOUT when an attempt takes longer than timeoutMs', async () => {
    server.use(
      http.get(`${BASE}/hang`, async () => {
        await new Promise((r) => setTimeout(r, 2_000))
        return HttpResponse.json({})
      }),
    )
    const error = await rejection(client({ retry: false }).request({ path: '/hang', timeoutMs: 50 }))
    expect(error.code).toBe('TIMEOUT')
  })

  it('checks the response against the contract schema outside production', async () => {
    server.use(http.get(`${BASE}/health`, () => HttpResponse.json({ status: 'broken' })))
    const schema = z.object({ status: z.literal('ok') })
    const error = await rejection(client().request({ path: '/health', schema }))
    expect(error.code).toBe('INVALID_RESPONSE')
  })

  it('reads the base URL and token from configureNself when given no options', async () => {
    server.use(
      http.get('http://configured.test/v1/queues', ({ request }) =>
        HttpResponse.json({
          auth: request.headers.get('authorization'),
          app: request.headers.get('x-app-name'),
        }),
      ),
    )
    const c = new HttpClient({ plugin: 'jobs' })
    configureNself({ urls: { jobs: 'http://configured.test/' }, getToken: async () => 'g', appName: 'chat' })
    await expect(c.request({ path: '/v1/queues' })).resolves.toEqual({ auth: 'Bearer g', app: 'chat' })
  })
})
