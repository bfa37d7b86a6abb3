import { clientEventSchemas, REALTIME_CONNECT_ERRORS } from '@nself/contracts/realtime'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AckResponse, connectError, realtimeSuite, until } from '../../../test/realtime-kit'
import { signDevToken } from '../../index'

const SECRET = 'bad-input-test-secret'
const CLIENT_EVENTS = [...Object.keys(clientEventSchemas), 'ping']
const KNOWN_CODES = new Set([
  'VALIDATION_FAILED',
  'BAD_REQUEST',
  'ROOM_FORBIDDEN',
  'ROOM_NOT_FOUND',
  'NOT_FOUND',
  'RATE_LIMITED',
])

/** A well-formed ack: `{ success: true, data? }` or `{ success: false, error: { code, message } }`. */
function expectAck(ack: AckResponse): void {
  expect(typeof ack.success).toBe('boolean')
  if (!ack.success) {
    expect(KNOWN_CODES.has(String(ack.error?.code))).toBe(true)
    expect(typeof ack.error?.message).toBe('string')
  }
}

describe('realtime bad input', () => {
  // No rate limit here: the fuzzing below sends as fast as it can (limits.test.ts covers it).
  const rt = realtimeSuite({ jwtSecret: SECRET, env: { REALTIME_RATE_LIMIT: '0' } })

  /** A fresh client can still join a room and exchange a message. */
  async function stillServing(): Promise<void> {
    const a = await rt.kit.connect('probe-a')
    const b = await rt.kit.connect('probe-b')
    const room = `probe-${Math.random()}`
    expect((await a.ack('room:join', { roomName: room })).success).toBe(true)
    expect((await b.ack('room:join', { roomName: room })).success).toBe(true)
    expect((await a.ack('message:send', { roomName: room, content: 'still here' })).success).toBe(true)
    await b.waitFor('message:new', (m) => m.content === 'still here')
    a.close()
    b.close()
  }

  it('handshakes without a token, with a forged or an expired token are refused with the exact messages', async () => {
    expect((await connectError(rt.kit.raw({}))).message).toBe(REALTIME_CONNECT_ERRORS.authenticationRequired)
    expect((await connectError(rt.kit.raw({ token: 42 }))).message).toBe(
      REALTIME_CONNECT_ERRORS.authenticationRequired,
    )
    const forged = signDevToken({ userId: 'mallory', role: 'service' }, 'not-the-secret')
    expect((await connectError(rt.kit.raw({ token: forged }))).message).toBe(
      REALTIME_CONNECT_ERRORS.invalidToken,
    )
    // Same claims, signature of another token: still forged.
    const [header, payload] = forged.split('.')
    const [, , signature] = rt.kit.token('alice').split('.')
    expect((await connectError(rt.kit.raw({ token: `${header}.${payload}.${signature}` }))).message).toBe(
      REALTIME_CONNECT_ERRORS.invalidToken,
    )
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`
    expect((await connectError(rt.kit.raw({ token: unsigned }))).message).toBe(
      REALTIME_CONNECT_ERRORS.invalidToken,
    )
    const expired = await connectError(rt.kit.raw({ token: rt.kit.token('alice', { expiresIn: -1 }) }))
    expect(expired.message).toBe(REALTIME_CONNECT_ERRORS.invalidToken)
    expect(expired.data).toEqual({ code: 'TOKEN_EXPIRED' })
    await stillServing()
  })

  it('an oversized message (over 1 MB) closes that connection only; the server keeps serving', async () => {
    const alice = await rt.kit.connect('alice')
    await alice.ack('room:join', { roomName: 'big' })
    const closed = new Promise<string>((resolve) => alice.socket.once('disconnect', resolve))
    alice.send('message:send', { roomName: 'big', content: 'x'.repeat(1_100_000) })
    expect(await closed).toMatch(/transport (close|error)/)
    // Under the transport limit but over the contract's: a typed ack error.
    const bob = await rt.kit.connect('bob')
    await bob.ack('room:join', { roomName: 'big' })
    const ack = await bob.ack('message:send', { roomName: 'big', content: 'x'.repeat(200_000) })
    expect(ack.error?.code).toBe('VALIDATION_FAILED')
    expect(bob.socket.connected).toBe(true)
    await stillServing()
  })

  it('unknown events: BAD_REQUEST when acked, dropped and counted when not; never a crash', async () => {
    const alice = await rt.kit.connect('alice')
    expect(await alice.ack('room:explode', { roomName: 'x' })).toEqual({
      success: false,
      error: { code: 'BAD_REQUEST', message: 'Unknown event "room:explode"' },
    })
    // Names that an EventEmitter or a plain object would treat specially.
    for (const name of [
      'error',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'toString',
      'pong',
      'connected',
    ]) {
      expect((await alice.ack(name, {})).error?.code).toBe('BAD_REQUEST')
      alice.send(name, { roomName: 'x' })
      alice.send(name)
    }
    alice.send('no-ack-event', 1, 2, 3)
    await until(async () => {
      const text = await rt.kit.metrics()
      const match = /^nself_realtime_events_dropped_total\{reason="unknown_event"\} (\d+)$/m.exec(text)
      return Number(match?.[1] ?? 0) >= 22
    })
    expect(alice.socket.connected).toBe(true)
    await stillServing()
  })

  it('malformed Socket.IO packets close that connection only', async () => {
    for (const packet of ['2["room:join",', '2[]', '2{}', '9', '2[1,2', '2["message:send",{"roomName":']) {
      const alice = await rt.kit.connect('alice')
      const closed = new Promise<string>((resolve) => alice.socket.once('disconnect', resolve))
      // A raw engine.io message: the Socket.IO packet as a string, bypassing the client's encoder.
      ;(alice.socket.io.engine as unknown as { send(data: string): void }).send(packet)
      const reason = await Promise.race([
        closed,
        new Promise<string>((r) => setTimeout(() => r('open'), 2_000)),
      ])
      expect([packet, reason]).toEqual([packet, 'transport close'])
    }
    await stillServing()
  })

  it('200 random payloads over every client event get typed errors (or succeed) and never crash the server', async () => {
    const alice = await rt.kit.connect('fuzzer')
    const bob = await rt.kit.connect('fuzz-peer')
    await alice.ack('room:join', { roomName: 'fuzz' })
    await bob.ack('room:join', { roomName: 'fuzz' })
    const scalar = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(''),
      fc.string({ minLength: 201, maxLength: 300 }),
    )
    // Near-valid objects (the contract's keys, any values) hit deeper validation than random JSON.
    const nearValid = fc.record(
      {
        roomName: fc.oneof(scalar, fc.constant('fuzz')),
        content: scalar,
        threadId: scalar,
        metadata: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())),
        clientMessageId: scalar,
        status: fc.oneof(scalar, fc.constantFrom('online', 'busy', 'invisible', 'dnd')),
        customStatus: fc.oneof(scalar, fc.record({ text: scalar, emoji: scalar, expiresAt: scalar })),
        userIds: fc.oneof(scalar, fc.array(scalar, { maxLength: 5 })),
        callId: scalar,
        toUserId: fc.oneof(scalar, fc.constant('fuzz-peer')),
        sdp: scalar,
        candidate: fc.oneof(scalar, fc.record({ candidate: scalar, sdpMid: scalar })),
        reason: scalar,
        since: fc.oneof(
          scalar,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.constant('2026-13-45T25:61:00Z'),
        ),
      },
      { requiredKeys: [] },
    )
    const payload = fc.oneof(
      fc.jsonValue(),
      nearValid,
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CLIENT_EVENTS, 'unknown:event'),
        fc.array(payload, { minLength: 0, maxLength: 3 }),
        fc.boolean(),
        async (event, args, withAck) => {
          // `ping` answers with `pong`, never an ack.
          if (withAck && event !== 'ping') {
            const ack = await (
              alice.socket as unknown as {
                timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<AckResponse> }
              }
            )
              .timeout(3_000)
              .emitWithAck(event, ...args)
            expectAck(ack)
          } else {
            alice.send(event, ...args)
          }
          expect(alice.socket.connected).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
    expect((await alice.ack('presence:get', { userIds: ['fuzz-peer'] })).success).toBe(true)
    await stillServing()
  }, 60_000)
})
