import { connect, createServer as createNetServer } from 'node:net'
import { DEFAULT_PORTS, ErrorBodySchema, HEALTH_SCHEMAS, PLUGINS, type PluginName } from '@nself/contracts'
import { RoomJoinSchema } from '@nself/contracts/realtime'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { raw } from '../../test/raw-http'
import {
  createFilesServer,
  createIdmeServer,
  createJobsServer,
  createNotificationsServer,
  createRealtimeServer,
  HttpError,
  json,
  type LogRecord,
  type StubServer,
  signDevToken,
  startStubs,
} from '../index'

const SECRET = 'plugin-server-test-secret'
const token = signDevToken({ userId: 'alice' }, SECRET)
const auth = { authorization: `Bearer ${token}` }

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

describe('GET /health of every plugin', () => {
  const expected: Record<PluginName, (body: unknown) => void> = {
    realtime: (body) =>
      expect(body).toEqual({
        status: 'healthy',
        timestamp: expect.any(String),
        connections: 0,
        uptime: expect.any(Number),
      }),
    notifications: (body) =>
      expect(body).toEqual({ status: 'ok', service: 'notifications', timestamp: expect.any(String) }),
    jobs: (body) => expect(body).toEqual({ status: 'ok' }),
    files: (body) => expect(body).toEqual({ status: 'ok', timestamp: expect.any(String) }),
    idme: (body) => expect(body).toEqual({ status: 'ok', service: 'idme-plugin' }),
  }
  const factories = {
    realtime: createRealtimeServer,
    notifications: createNotificationsServer,
    jobs: createJobsServer,
    files: createFilesServer,
    idme: createIdmeServer,
  }

  for (const plugin of PLUGINS) {
    it(`${plugin}: the real plugin's shape, no token needed`, async () => {
      const server: StubServer = await factories[plugin]({ port: 0, jwtSecret: SECRET, logger: false })
      try {
        expect(server.plugin).toBe(plugin)
        expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
        expect(server.port).toBeGreaterThan(0)
        const res = await fetch(`${server.url}/health`)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
        const body: unknown = await res.json()
        expect(HEALTH_SCHEMAS[plugin].safeParse(body).success).toBe(true)
        expected[plugin](body)
        if (typeof body === 'object' && body !== null && 'timestamp' in body) {
          expect(Math.abs(Date.parse(String(body.timestamp)) - Date.now())).toBeLessThan(5_000)
        }
      } finally {
        await server.close()
      }
    })
  }
})

describe('the HTTP layer', () => {
  let server: StubServer<'jobs'>
  const logs: Array<LogRecord & { level: string }> = []

  beforeAll(async () => {
    server = await createJobsServer({
      port: 0,
      jwtSecret: SECRET,
      bodyLimit: 1024,
      logger: {
        info: (r) => logs.push({ ...r, level: 'info' }),
        warn: (r) => logs.push({ ...r, level: 'warn' }),
        error: (r) => logs.push({ ...r, level: 'error' }),
      },
    })
    server.router.post('/test/echo', async (ctx) =>
      json({ body: (await ctx.body()) ?? null, user: ctx.requireUser().userId }),
    )
    server.router.post('/test/join', async (ctx) => json(await ctx.parseBody(RoomJoinSchema), 201))
    server.router.post('/test/big', async (ctx) => json({ size: JSON.stringify(await ctx.body()).length }), {
      bodyLimit: 10_000,
    })
    server.router.get('/test/boom', () => {
      throw new Error('boom')
    })
    server.router.get('/test/teapot/:id', (ctx) => {
      throw new HttpError('CONFLICT', `conflict on ${ctx.params.id}`, { details: { id: ctx.params.id } })
    })
  })
  afterAll(() => server.close())

  async function expectError(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const body = (await res.json()) as Record<string, unknown>
    expect(ErrorBodySchema.safeParse(body).success).toBe(true)
    expect(body.code).toBe(code)
    expect(typeof body.error).toBe('string')
    return body
  }

  it('unknown route → 404 NOT_FOUND', async () => {
    const body = await expectError(await fetch(`${server.url}/v1/nothing-here?x=1`), 404, 'NOT_FOUND')
    expect(body.error).toBe('No route for GET /v1/nothing-here')
  })

  it('wrong method → 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const res = await fetch(`${server.url}/health`, { method: 'DELETE' })
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS')
    const body = await expectError(res, 405, 'METHOD_NOT_ALLOWED')
    expect(body.details).toEqual({ allow: ['GET', 'HEAD', 'OPTIONS'] })
  })

  it('HEAD is answered by the GET route, without a body', async () => {
    const res = await raw(`${server.url}/health`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.body).toBe('')
  })

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    const res = await fetch(`${server.url}/test/echo`, { method: 'POST', headers: auth, body: '{"a":' })
    const body = await expectError(res, 400, 'MALFORMED_JSON')
    expect(body.error).toBe('Request body is not valid JSON')
  })

  it('invalid UTF-8 → 400 MALFORMED_JSON', async () => {
    const res = await fetch(`${server.url}/test/echo`, {
      method: 'POST',
      headers: auth,
      body: new Uint8Array([0x22, 0xff, 0x22]),
    })
    await expectError(res, 400, 'MALFORMED_JSON')
  })

  it('valid JSON reaches the handler, with the token user', async () => {
    const res = await fetch(`${server.url}/test/echo`, { method: 'POST', headers: auth, body: '{"a":[1,2]}' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ body: { a: [1, 2] }, user: 'alice' })
  })

  it('a body failing its contract schema → 400 VALIDATION_FAILED with the issues', async () => {
    const res = await fetch(`${server.url}/test/join`, {
      method: 'POST',
      headers: auth,
      body: '{"roomName":""}',
    })
    const body = await expectError(res, 400, 'VALIDATION_FAILED')
    expect(Array.isArray(body.details)).toBe(true)
    const ok = await fetch(`${server.url}/test/join`, {
      method: 'POST',
      headers: auth,
      body: '{"roomName":"general"}',
    })
    expect(ok.status).toBe(201)
    expect(await ok.json()).toEqual({ roomName: 'general' })
  })

  it('a body over the limit → 413 PAYLOAD_TOO_LARGE (declared or streamed)', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(2000) })
    const declared = await fetch(`${server.url}/test/echo`, { method: 'POST', headers: auth, body: big })
    const body = await expectError(declared, 413, 'PAYLOAD_TOO_LARGE')
    expect(body.details).toEqual({ limit: 1024 })
    const streamed = await raw(`${server.url}/test/echo`, {
      method: 'POST',
      headers: { ...auth, 'transfer-encoding': 'chunked' },
      body: big,
    })
    expect(streamed.status).toBe(413)
    expect(JSON.parse(streamed.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    // A route may raise its own limit.
    const raised = await fetch(`${server.url}/test/big`, { method: 'POST', headers: auth, body: big })
    expect(raised.status).toBe(200)
    expect(await raised.json()).toEqual({ size: big.length })
  })

  it('a thrown HttpError keeps its code, status and details', async () => {
    const body = await expectError(
      await fetch(`${server.url}/test/teapot/a%20b`, { headers: auth }),
      409,
      'CONFLICT',
    )
    expect(body).toEqual({ error: 'conflict on a b', code: 'CONFLICT', details: { id: 'a b' } })
  })

  it('a thrown Error → 500 INTERNAL_ERROR, logged, and the server keeps serving', async () => {
    const body = await expectError(
      await fetch(`${server.url}/test/boom`, { headers: auth }),
      500,
      'INTERNAL_ERROR',
    )
    expect(body.error).toBe('Internal server error')
    expect(logs.some((l) => l.level === 'error' && l.msg === 'unhandled error')).toBe(true)
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
  })

  it('malformed percent-encoding in a path parameter → 400 BAD_REQUEST', async () => {
    await expectError(
      await fetch(`${server.url}/test/teapot/%E0%A4%A`, { headers: auth }),
      400,
      'BAD_REQUEST',
    )
  })

  it('malformed HTTP → 400 with a typed JSON body, not a crash', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'))
      let data = ''
      socket.on('data', (c) => {
        data += c.toString()
      })
      socket.on('end', () => resolve(data))
      socket.on('error', reject)
    })
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request/)
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toEqual({
      error: 'Malformed HTTP request',
      code: 'BAD_REQUEST',
    })
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
  })

  it('logs one JSON-able line per request: time, level, plugin, method, path (no query), status, ms', async () => {
    logs.length = 0
    await fetch(`${server.url}/health?secret=do-not-log`)
    await new Promise((r) => setTimeout(r, 20))
    const lines = logs.filter((l) => l.msg === 'request')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toEqual({
      level: 'info',
      msg: 'request',
      plugin: 'jobs',
      method: 'GET',
      path: '/health',
      status: 200,
      ms: expect.any(Number),
    })
  })

  it('CORS: any origin by default, and preflight answered with 204', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { origin: 'http://localhost:3000' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const preflight = await fetch(`${server.url}/v1/jobs`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type')
  })

  it('GET /metrics: Prometheus text with process and HTTP series (token required)', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
    await fetch(`${server.url}/health`)
    const res = await fetch(`${server.url}/metrics`, { headers: auth })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const metrics = await res.text()
    expect(metrics).toContain(
      '# HELP process_uptime_seconds Seconds since the process started.\n# TYPE process_uptime_seconds gauge\n',
    )
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+$/m)
    expect(metrics).toContain('nself_plugin_info{plugin="jobs"} 1')
    expect(metrics).toContain('# TYPE nself_http_requests_total counter')
    const health = /^nself_http_requests_total\{method="GET",route="\/health",status="200"\} (\d+)$/m.exec(
      metrics,
    )
    expect(Number(health?.[1])).toBeGreaterThanOrEqual(1)
    // Unknown paths share one label value, so random URLs cannot blow up the series count.
    expect(metrics).toMatch(/^nself_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+$/m)
    expect(metrics).not.toContain('nothing-here')
  })

  it('never crashes on random methods, paths and bodies (property)', async () => {
    const paths = fc.oneof(
      fc.constantFrom('/test/echo', '/test/join', '/health', '/metrics', '/', '/v1/jobs/1'),
      fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
    )
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 1500 }),
      fc.json().map((s) => new TextEncoder().encode(s)),
      fc.string({ maxLength: 300 }).map((s) => new TextEncoder().encode(s)),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'),
        paths,
        bodies,
        fc.boolean(),
        async (method, path, body, withToken) => {
          const res = await fetch(`${server.url}${path}`, { method, headers: withToken ? auth : {}, body })
          const text = await res.text()
          expect(res.status).toBeLessThan(500)
          if (res.status >= 400) expect(ErrorBodySchema.safeParse(JSON.parse(text)).success).toBe(true)
        },
      ),
      { numRuns: 150 },
    )
    const health = await fetch(`${server.url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
  })
})

describe('close()', () => {
  it('frees the port promptly, even with keep-alive and streaming connections open', async () => {
    const server = await createNotificationsServer({ port: 0, jwtSecret: SECRET, logger: false })
    server.router.get('/test/stream', (ctx) => {
      ctx.res.writeHead(200, { 'content-type': 'text/event-stream' })
      ctx.res.write(': open\n\n')
      return undefined
    })
    const port = server.port
    expect(await portIsFree(port)).toBe(false)
    await fetch(`${server.url}/health`) // leaves a keep-alive connection
    const streaming = await fetch(`${server.url}/test/stream`, { headers: auth })
    expect(streaming.status).toBe(200)
    const started = Date.now()
    await server.close()
    await server.close() // idempotent
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(await portIsFree(port)).toBe(true)
    await expect(fetch(`${server.url}/health`)).rejects.toThrow()
  })

  it('a taken port rejects with the plugin and port named, and startStubs cleans up', async () => {
    const first = await createIdmeServer({ port: 0, jwtSecret: SECRET, logger: false })
    try {
      await expect(createIdmeServer({ port: first.port, jwtSecret: SECRET, logger: false })).rejects.toThrow(
        `idme: cannot listen on 127.0.0.1:${first.port} (EADDRINUSE)`,
      )
      const free = await createJobsServer({ port: 0, jwtSecret: SECRET, logger: false })
      const jobsPort = free.port
      await free.close()
      await expect(
        startStubs({
          plugins: ['jobs', 'idme'],
          ports: { jobs: jobsPort, idme: first.port },
          jwtSecret: SECRET,
          logger: false,
        }),
      ).rejects.toThrow(/idme: cannot listen/)
      expect(await portIsFree(jobsPort)).toBe(true)
    } finally {
      await first.close()
    }
  })
})

describe('configuration', () => {
  it('the port comes from <PLUGIN>_PORT, else the seed port', async () => {
    expect(DEFAULT_PORTS).toEqual({
      realtime: 3101,
      notifications: 3102,
      files: 3104,
      jobs: 3105,
      idme: 3010,
    })
    const probe = await createFilesServer({ port: 0, logger: false, jwtSecret: SECRET })
    const port = probe.port
    await probe.close()
    const server = await createFilesServer({
      env: { FILE_PROCESSING_PORT: String(port) },
      logger: false,
      jwtSecret: SECRET,
    })
    try {
      expect(server.port).toBe(port)
    } finally {
      await server.close()
    }
  })

  it('CORS origins from <PLUGIN>_CORS_ORIGIN: only listed origins are allowed', async () => {
    const server = await createJobsServer({
      port: 0,
      logger: false,
      jwtSecret: SECRET,
      env: { JOBS_CORS_ORIGIN: 'http://app.test, http://admin.test' },
    })
    try {
      const allowed = await fetch(`${server.url}/health`, { headers: { origin: 'http://admin.test' } })
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://admin.test')
      expect(allowed.headers.get('vary')).toBe('Origin')
      const denied = await fetch(`${server.url}/health`, { headers: { origin: 'http://evil.test' } })
      expect(denied.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await server.close()
    }
  })

  it('no CORS headers under NODE_ENV=production unless configured', async () => {
    const server = await createJobsServer({
      port: 0,
      logger: false,
      jwtSecret: SECRET,
      env: { NODE_ENV: 'production' },
    })
    try {
      const res = await fetch(`${server.url}/health`, { headers: { origin: 'http://app.test' } })
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await server.close()
    }
  })
})
