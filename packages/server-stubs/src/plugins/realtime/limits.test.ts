import { REALTIME_CONNECT_ERRORS } from '@nself/contracts/realtime'
import { describe, expect, it } from 'vitest'
import { connectError, type RealtimeKit, realtimeServers, sleep, until } from '../../../test/realtime-kit'

const SECRET = 'limits-test-secret'

describe('realtime limits', () => {
  const servers = realtimeServers()
  const start = (env: Record<string, string>) => servers.start({ jwtSecret: SECRET, env })

  async function dropped(kit: RealtimeKit, reason: string): Promise<number> {
    const text = await kit.metrics()
    return Number(
      new RegExp(`^nself_realtime_events_dropped_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
        text,
      )?.[1] ?? 0,
    )
  }

  it('REALTIME_RATE_LIMIT: events past the limit get RATE_LIMITED (or are dropped and counted), per connection', async () => {
    const { kit } = await start({ REALTIME_RATE_LIMIT: '10' })
    const alice = await kit.connect('alice')
    const bob = await kit.connect('bob')
    const acks = await Promise.all(
      Array.from({ length: 30 }, () => alice.ack('presence:get', { userIds: ['bob'] })),
    )
    const limited = acks.filter((a) => a.error?.code === 'RATE_LIMITED')
    expect(acks.filter((a) => a.success).length).toBeGreaterThanOrEqual(10)
    // (A few more may pass as the bucket refills while the burst is handled.)
    expect(acks.filter((a) => a.success).length).toBeLessThanOrEqual(15)
    expect(limited.length).toBe(30 - acks.filter((a) => a.success).length)
    expect(limited[0]?.error).toEqual({
      code: 'RATE_LIMITED',
      message: 'More than 10 events per second',
      details: { retryAfterMs: expect.any(Number) },
    })
    // Another connection has its own budget.
    expect((await bob.ack('presence:get', { userIds: ['alice'] })).success).toBe(true)
    // Events without an ack are dropped and counted.
    const before = await dropped(kit, 'rate_limited')
    for (let i = 0; i < 20; i++) alice.send('ping')
    await until(async () => (await dropped(kit, 'rate_limited')) >= before + 15)
    expect(alice.events('pong').length).toBeLessThanOrEqual(5)
    // The bucket refills: a second later alice is served again, still connected.
    await sleep(1_100)
    expect((await alice.ack('presence:get', { userIds: ['bob'] })).success).toBe(true)
    expect(alice.socket.connected).toBe(true)
  })

  it('REALTIME_MAX_CONNECTIONS: the connection past the limit gets connect_error CONNECTION_LIMIT', async () => {
    const { server, kit } = await start({ REALTIME_MAX_CONNECTIONS: '3' })
    // A burst of handshakes cannot overshoot.
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        kit.connect(`user-${i}`).then(
          (client) => ({ client }),
          (error: Error & { data?: unknown }) => ({ error }),
        ),
      ),
    )
    const connected = outcomes.flatMap((o) => ('client' in o ? [o.client] : []))
    const refused = outcomes.flatMap((o) => ('error' in o ? [o.error] : []))
    expect(connected).toHaveLength(3)
    expect(refused).toHaveLength(5)
    for (const error of refused) {
      expect(error.message).toBe(REALTIME_CONNECT_ERRORS.connectionLimit)
      expect(error.data).toEqual({ code: 'CONNECTION_LIMIT' })
    }
    expect(server.state.sockets.size).toBe(3)
    // Refused handshakes hold no place; a closed socket frees one.
    connected[0]?.close()
    await until(() => server.state.sockets.size === 2)
    await kit.connect('late')
    const again = await connectError(kit.raw({ token: kit.token('later') }))
    expect(again.message).toBe('Connection limit reached')
  })

  it('REALTIME_MAX_CONNECTIONS=0 and REALTIME_RATE_LIMIT=0 mean unlimited', async () => {
    const { kit } = await start({ REALTIME_MAX_CONNECTIONS: '0', REALTIME_RATE_LIMIT: '0' })
    const clients = await Promise.all(Array.from({ length: 5 }, (_, i) => kit.connect(`u${i}`)))
    const acks = await Promise.all(
      Array.from({ length: 300 }, () => clients[0]?.ack('presence:get', { userIds: [] })),
    )
    expect(acks.every((a) => a?.success)).toBe(true)
  })
})
