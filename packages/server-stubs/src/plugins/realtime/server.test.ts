import type { PluginName } from '@nself/contracts'
import { ConnectedSchema, RealtimeHealthSchema, RealtimeMetricsSchema } from '@nself/contracts/realtime'
import { describe, expect, it } from 'vitest'
import { connectError, connected, realtimeServers, realtimeSuite, until } from '../../../test/realtime-kit'
import { type RealtimeServer, signDevToken } from '../../index'

const SECRET = 'realtime-test-secret'

async function health(server: RealtimeServer) {
  return RealtimeHealthSchema.parse(await (await fetch(`${server.url}/health`)).json())
}

describe('realtime handshake', () => {
  const rt = realtimeSuite({ jwtSecret: SECRET })
  const client = (auth: Record<string, unknown>, transports?: Array<'websocket' | 'polling'>) =>
    rt.kit.raw(auth, { transports })

  it('no token → connect_error "Authentication required"', async () => {
    const error = await connectError(client({}))
    expect(error.message).toBe('Authentication required')
    expect(error.data).toEqual({ code: 'UNAUTHENTICATED' })
  })

  it('garbage token → connect_error "Invalid token"', async () => {
    const error = await connectError(client({ token: 'garbage' }))
    expect(error.message).toBe('Invalid token')
    expect(error.data).toEqual({ code: 'INVALID_TOKEN' })
  })

  it('token signed with another secret → "Invalid token"', async () => {
    const error = await connectError(client({ token: signDevToken({ userId: 'alice' }, 'other') }))
    expect(error.message).toBe('Invalid token')
  })

  it('expired token → "Invalid token", with data.code TOKEN_EXPIRED (extension)', async () => {
    const error = await connectError(client({ token: rt.kit.token('alice', { expiresIn: -5 }) }))
    expect(error.message).toBe('Invalid token')
    expect(error.data).toEqual({ code: 'TOKEN_EXPIRED' })
  })

  it('valid token → connected { socketId, serverTime, protocolVersion "1.0" }, over websocket and polling', async () => {
    for (const transport of ['websocket', 'polling'] as const) {
      const socket = client({ token: rt.kit.token('alice', { sessionId: 's1' }) }, [transport])
      const before = Date.now()
      const payload = ConnectedSchema.parse(await connected(socket))
      expect(payload.socketId).toBe(socket.id)
      expect(payload.protocolVersion).toBe('1.0')
      expect(Date.parse(payload.serverTime)).toBeGreaterThanOrEqual(before - 1_000)
      expect(Date.parse(payload.serverTime)).toBeLessThanOrEqual(Date.now() + 1_000)
      const user = rt.server.state.sockets.get(payload.socketId)
      expect(user).toEqual({ userId: 'alice', sessionId: 's1', anonymous: false })
    }
  })

  it('keeps the handshake device and tenant on socket.data', async () => {
    const socket = client({
      token: rt.kit.token('bob'),
      device: { type: 'web', browser: 'firefox' },
      sourceAccountId: 'Team One',
    })
    const { socketId } = ConnectedSchema.parse(await connected(socket))
    const serverSocket = rt.server.io.of('/').sockets.get(socketId)
    expect(serverSocket?.data.device).toEqual({ type: 'web', browser: 'firefox' })
    expect(serverSocket?.data.appName).toBe('team-one')
  })

  it('counts connections in /health and forgets them on disconnect', async () => {
    expect((await health(rt.server)).connections).toBe(0)
    const a = client({ token: rt.kit.token('alice') })
    const b = client({ token: rt.kit.token('alice') })
    await Promise.all([connected(a), connected(b)])
    expect((await health(rt.server)).connections).toBe(2)
    expect(rt.server.state.userSockets.get('alice')?.size).toBe(2)
    a.close()
    await until(async () => (await health(rt.server)).connections === 1, 2_000)
    b.close()
    await until(async () => (await health(rt.server)).connections === 0, 2_000)
    expect(rt.server.state.userSockets.has('alice')).toBe(false)
  })

  it('ping → pong { timestamp } from the server clock', async () => {
    const socket = client({ token: rt.kit.token('alice') })
    await connected(socket)
    const pong = new Promise<{ timestamp: number }>((resolve) => socket.once('pong', resolve))
    socket.emit('ping')
    const { timestamp } = await pong
    expect(Math.abs(timestamp - Date.now())).toBeLessThan(2_000)
  })

  it('GET /metrics with Accept: application/json → the real plugin JSON shape', async () => {
    const socket = client({ token: rt.kit.token('carol') })
    await connected(socket)
    socket.emit('ping')
    await until(() => rt.server.state.events.total > 0, 2_000)
    const res = await fetch(`${rt.server.url}/metrics`, {
      headers: { accept: 'application/json', authorization: `Bearer ${rt.kit.token('ops')}` },
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

    const text = await rt.kit.metrics()
    expect(text).toMatch(/^nself_realtime_connections 1$/m)
    expect(text).toContain('# TYPE nself_realtime_events_received_total counter')
  })
})

describe('realtime configuration', () => {
  const servers = realtimeServers()

  it('REALTIME_ALLOW_ANONYMOUS=true accepts sockets without a token', async () => {
    const { server, kit } = await servers.start({
      jwtSecret: SECRET,
      env: { REALTIME_ALLOW_ANONYMOUS: 'true' },
    })
    const socket = kit.raw({})
    const { socketId } = ConnectedSchema.parse(await connected(socket))
    expect(server.state.sockets.get(socketId)).toEqual({ userId: `anonymous-${socketId}`, anonymous: true })
    // A bad token is still refused.
    expect((await connectError(kit.raw({ token: 'nope' }))).message).toBe('Invalid token')
  })

  it('REALTIME_JWT_SECRET is the secret of the handshake', async () => {
    const { kit } = await servers.start(
      { env: { REALTIME_JWT_SECRET: 'from-env', NSELF_JWT_SECRET: 'shared' } },
      'from-env',
    )
    await connected(kit.raw({ token: signDevToken({ userId: 'alice' }, 'from-env') }))
    expect(
      (await connectError(kit.raw({ token: signDevToken({ userId: 'alice' }, 'shared') }))).message,
    ).toBe('Invalid token')
  })

  it('REALTIME_CORS_ORIGIN applies to the Socket.IO polling transport and to HTTP', async () => {
    const { server } = await servers.start({
      jwtSecret: SECRET,
      env: { REALTIME_CORS_ORIGIN: 'http://app.test' },
    })
    const poll = (origin: string) =>
      fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } })
    const allowed = await poll('http://app.test')
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test')
    const denied = await poll('http://evil.test')
    expect(denied.headers.get('access-control-allow-origin')).toBeNull()
    const httpDenied = await fetch(`${server.url}/health`, { headers: { origin: 'http://evil.test' } })
    expect(httpDenied.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('close() disconnects clients and frees the port promptly', async () => {
    const { server: running, kit } = await servers.start({ jwtSecret: SECRET })
    const sockets = [0, 1, 2].map(() => kit.raw({ token: kit.token('alice') }))
    await Promise.all(sockets.map(connected))
    const polling = kit.raw({ token: kit.token('bob') }, { transports: ['polling'] })
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
    const { server: again } = await servers.start({ jwtSecret: SECRET, port: running.port })
    expect(again.port).toBe(running.port)
    await again.close()
  })
})

// Typed use of PluginName keeps this file honest if the plugin list changes.
const _plugin: PluginName = 'realtime'
void _plugin
