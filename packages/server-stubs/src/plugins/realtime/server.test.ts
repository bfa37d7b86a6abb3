import type { PluginName } from '@nself/contracts'
import {
  type ClientToServerEvents,
  ConnectedSchema,
  RealtimeHealthSchema,
  RealtimeMetricsSchema,
  type ServerToClientEvents,
} from '@nself/contracts/realtime'
import { io, type Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRealtimeServer, type RealtimeServer, signDevToken } from '../../index'

const SECRET = 'realtime-test-secret'
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>
const opened: ClientSocket[] = []

function client(
  url: string,
  auth: Record<string, unknown>,
  transports: Array<'websocket' | 'polling'> = ['websocket'],
): ClientSocket {
  const socket: ClientSocket = io(url, { auth, reconnection: false, forceNew: true, transports })
  opened.push(socket)
  return socket
}

function connectError(socket: ClientSocket): Promise<Error & { data?: unknown }> {
  return new Promise((resolve, reject) => {
    socket.once('connect_error', resolve)
    socket.once('connect', () => reject(new Error('connected, expected connect_error')))
  })
}

function connected(socket: ClientSocket): Promise<unknown> {
  return new Promise((resolve, reject) => {
    socket.once('connected', resolve)
    socket.once('connect_error', reject)
  })
}

async function health(server: RealtimeServer) {
  return RealtimeHealthSchema.parse(await (await fetch(`${server.url}/health`)).json())
}

async function until(check: () => Promise<boolean> | boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

afterEach(() => {
  for (const socket of opened.splice(0)) socket.close()
})

describe('realtime handshake', () => {
  let server: RealtimeServer
  beforeAll(async () => {
    server = await createRealtimeServer({ port: 0, jwtSecret: SECRET, logger: false, env: {} })
  })
  afterAll(() => server.close())

  it('no token → connect_error "Authentication required"', async () => {
    const error = await connectError(client(server.url, {}))
    expect(error.message).toBe('Authentication required')
    expect(error.data).toEqual({ code: 'UNAUTHENTICATED' })
  })

  it('garbage token → connect_error "Invalid token"', async () => {
    const error = await connectError(client(server.url, { token: 'garbage' }))
    expect(error.message).toBe('Invalid token')
    expect(error.data).toEqual({ code: 'INVALID_TOKEN' })
  })

  it('token signed with another secret → "Invalid token"', async () => {
    const error = await connectError(
      client(server.url, { token: signDevToken({ userId: 'alice' }, 'other') }),
    )
    expect(error.message).toBe('Invalid token')
  })

  it('expired token → "Invalid token", with data.code TOKEN_EXPIRED (extension)', async () => {
    const error = await connectError(
      client(server.url, { token: signDevToken({ userId: 'alice', expiresIn: -5 }, SECRET) }),
    )
    expect(error.message).toBe('Invalid token')
    expect(error.data).toEqual({ code: 'TOKEN_EXPIRED' })
  })

  it('valid token → connected { socketId, serverTime, protocolVersion "1.0" }, over websocket and polling', async () => {
    for (const transport of ['websocket', 'polling'] as const) {
      const socket = client(
        server.url,
        { token: signDevToken({ userId: 'alice', sessionId: 's1' }, SECRET) },
        [transport],
      )
      const before = Date.now()
      const payload = ConnectedSchema.parse(await connected(socket))
      expect(payload.socketId).toBe(socket.id)
      expect(payload.protocolVersion).toBe('1.0')
      expect(Date.parse(payload.serverTime)).toBeGreaterThanOrEqual(before - 1_000)
      expect(Date.parse(payload.serverTime)).toBeLessThanOrEqual(Date.now() + 1_000)
      const user = server.state.sockets.get(payload.socketId)
      expect(user).toEqual({ userId: 'alice', sessionId: 's1', anonymous: false })
    }
  })

  it('keeps the handshake device and tenant on socket.data', async () => {
    const socket = client(server.url, {
      token: signDevToken({ userId: 'bob' }, SECRET),
      device: { type: 'web', browser: 'firefox' },
      sourceAccountId: 'Team One',
    })
    const { socketId } = ConnectedSchema.parse(await connected(socket))
    const serverSocket = server.io.of('/').sockets.get(socketId)
    expect(serverSocket?.data.device).toEqual({ type: 'web', browser: 'firefox' })
    expect(serverSocket?.data.appName).toBe('team-one')
  })

  it('counts connections in /health and forgets them on disconnect', async () => {
    expect((await health(server)).connections).toBe(0)
    const a = client(server.url, { token: signDevToken({ userId: 'alice' }, SECRET) })
    const b = client(server.url, { token: signDevToken({ userId: 'alice' }, SECRET) })
    await Promise.all([connected(a), connected(b)])
    expect((await health(server)).connections).toBe(2)
    expect(server.state.userSockets.get('alice')?.size).toBe(2)
    a.close()
    await until(async () => (await health(server)).connections === 1)
    b.close()
    await until(async () => (await health(server)).connections === 0)
    expect(server.state.userSockets.has('alice')).toBe(false)
  })

  it('ping → pong { timestamp } from the server clock', async () => {
    const socket = client(server.url, { token: signDevToken({ userId: 'alice' }, SECRET) })
    await connected(socket)
    const pong = new Promise<{ timestamp: number }>((resolve) => socket.once('pong', resolve))
    socket.emit('ping')
    const { timestamp } = await pong
    expect(Math.abs(timestamp - Date.now())).toBeLessThan(2_000)
  })

  it('GET /metrics with Accept: application/json → the real plugin JSON shape', async () => {
    const socket = client(server.url, { token: signDevToken({ userId: 'carol' }, SECRET) })
    await connected(socket)
    socket.emit('ping')
    await until(() => server.state.events.total > 0)
    const res = await fetch(`${server.url}/metrics`, {
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${signDevToken({ userId: 'ops' }, SECRET)}`,
      },
    })
    expect(res.status).toBe(200)
    const metrics = RealtimeMetricsSchema.parse(await res.json())
    expect(metrics.connections.active).toBe(1)
    expect(metrics.connections.authenticated).toBe(1)
    expect(metrics.connections.anonymous).toBe(0)
    expect(metrics.connections.total).toBeGreaterThanOrEqual(1)
    expect(metrics.presence.online).toBe(1)
    expect(metrics.events.total).toBeGreaterThanOrEqual(1)
    expect(metrics.events.lastHour).toBe(metrics.events.total)
    expect(metrics.memory.percentage).toBeGreaterThan(0)
    expect(metrics.memory.percentage).toBeLessThanOrEqual(100)

    const text = await (
      await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${signDevToken({ userId: 'ops' }, SECRET)}` },
      })
    ).text()
    expect(text).toMatch(/^nself_realtime_connections 1$/m)
    expect(text).toContain('# TYPE nself_realtime_events_received_total counter')
  })
})

describe('realtime configuration', () => {
  let server: RealtimeServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('REALTIME_ALLOW_ANONYMOUS=true accepts sockets without a token', async () => {
    server = await createRealtimeServer({
      port: 0,
      jwtSecret: SECRET,
      logger: false,
      env: { REALTIME_ALLOW_ANONYMOUS: 'true' },
    })
    const socket = client(server.url, {})
    const { socketId } = ConnectedSchema.parse(await connected(socket))
    expect(server.state.sockets.get(socketId)).toEqual({ userId: `anonymous-${socketId}`, anonymous: true })
    // A bad token is still refused.
    expect((await connectError(client(server.url, { token: 'nope' }))).message).toBe('Invalid token')
  })

  it('REALTIME_JWT_SECRET is the secret of the handshake', async () => {
    server = await createRealtimeServer({
      port: 0,
      logger: false,
      env: { REALTIME_JWT_SECRET: 'from-env', NSELF_JWT_SECRET: 'shared' },
    })
    await connected(client(server.url, { token: signDevToken({ userId: 'alice' }, 'from-env') }))
    expect(
      (await connectError(client(server.url, { token: signDevToken({ userId: 'alice' }, 'shared') })))
        .message,
    ).toBe('Invalid token')
  })

  it('REALTIME_CORS_ORIGIN applies to the Socket.IO polling transport and to HTTP', async () => {
    server = await createRealtimeServer({
      port: 0,
      jwtSecret: SECRET,
      logger: false,
      env: { REALTIME_CORS_ORIGIN: 'http://app.test' },
    })
    const poll = (origin: string) =>
      fetch(`${server?.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } })
    const allowed = await poll('http://app.test')
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test')
    const denied = await poll('http://evil.test')
    expect(denied.headers.get('access-control-allow-origin')).toBeNull()
    const httpDenied = await fetch(`${server.url}/health`, { headers: { origin: 'http://evil.test' } })
    expect(httpDenied.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('close() disconnects clients and frees the port promptly', async () => {
    const running = await createRealtimeServer({ port: 0, jwtSecret: SECRET, logger: false, env: {} })
    const sockets = [0, 1, 2].map(() =>
      client(running.url, { token: signDevToken({ userId: 'alice' }, SECRET) }),
    )
    await Promise.all(sockets.map(connected))
    const polling = client(running.url, { token: signDevToken({ userId: 'bob' }, SECRET) }, ['polling'])
    await connected(polling)
    const disconnected = Promise.all(
      [...sockets, polling].map(
        (s) => new Promise<string>((resolve) => s.once('disconnect', (reason) => resolve(reason))),
      ),
    )
    const started = Date.now()
    await running.close()
    expect(Date.now() - started).toBeLessThan(1_000)
    const reasons = await disconnected
    expect(reasons.every((r) => r === 'transport close' || r === 'transport error')).toBe(true)
    const again = await createRealtimeServer({
      port: running.port,
      jwtSecret: SECRET,
      logger: false,
      env: {},
    })
    expect(again.port).toBe(running.port)
    await again.close()
  })
})

// Typed use of PluginName keeps this file honest if the plugin list changes.
const _plugin: PluginName = 'realtime'
void _plugin
