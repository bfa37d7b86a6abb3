import {
  ackSchema,
  CallAnswerSchema,
  CallHangupSchema,
  CallIceCandidateSchema,
  CallOfferSchema,
  type ClientToServerEvents,
  clientEventSchemas,
  MessageSendAckDataSchema,
  PresenceGetAckDataSchema,
  RoomJoinAckDataSchema,
  type ServerToClientEvents,
  serverEventSchemas,
} from '@nself/contracts/realtime'
import { describe, expect, it } from 'vitest'
import * as z from 'zod/mini'
import { realtimeSuite, sleep, type TestClient } from '../../../test/realtime-kit'

const SECRET = 'contract-test-secret'

/** A relayed call signal: the event's payload without `toUserId`, with `fromUserId`. */
const signal = (schema: z.ZodMiniObject) =>
  z.extend(z.omit(schema, { toUserId: true }), { fromUserId: z.string() })
const SERVER_SCHEMAS: Record<keyof ServerToClientEvents, { safeParse(v: unknown): { success: boolean } }> = {
  ...serverEventSchemas,
  'call:offer': signal(CallOfferSchema),
  'call:answer': signal(CallAnswerSchema),
  'call:ice-candidate': signal(CallIceCandidateSchema),
  'call:hangup': signal(CallHangupSchema),
}

// Every event of the contract, both directions, through real sockets: each client event is
// sent at least once, each server event is received at least once, and every payload and ack
// received parses with the contract's schema.
describe('realtime contract, every event both ways', () => {
  const rt = realtimeSuite({ jwtSecret: SECRET, env: { REALTIME_TYPING_TIMEOUT: '200' } })

  it('covers the whole contract', async () => {
    const sent = new Set<string>()
    const ackOk = async (client: TestClient, event: keyof ClientToServerEvents, payload: unknown) => {
      sent.add(event)
      const ack = await client.ack(event, payload)
      expect(ack.success, `${event}: ${JSON.stringify(ack.error)}`).toBe(true)
      return ack
    }
    const send = (client: TestClient, event: keyof ClientToServerEvents, payload?: unknown) => {
      sent.add(event)
      if (payload === undefined) client.send(event)
      else client.send(event, payload)
    }

    const alice = await rt.kit.connect('alice')
    const bob = await rt.kit.connect('bob')
    const join = await ackOk(alice, 'room:join', { roomName: 'tour' })
    expect(RoomJoinAckDataSchema.safeParse(join.data).success).toBe(true)
    await ackOk(bob, 'room:join', { roomName: 'tour' })
    const message = await ackOk(alice, 'message:send', {
      roomName: 'tour',
      content: 'hi',
      clientMessageId: 'tour-1',
    })
    expect(ackSchema(MessageSendAckDataSchema).safeParse(message).success).toBe(true)
    send(alice, 'typing:start', { roomName: 'tour' })
    await bob.waitFor('typing:event', (e) => e.users.length === 1)
    send(alice, 'typing:stop', { roomName: 'tour' })
    await bob.waitFor('typing:event', (e) => e.users.length === 0)
    send(alice, 'presence:update', { status: 'busy', customStatus: { text: 'x' } })
    const got = await ackOk(bob, 'presence:get', { userIds: ['alice'] })
    expect(ackSchema(PresenceGetAckDataSchema).safeParse(got).success).toBe(true)
    send(alice, 'ping')
    await alice.waitFor('pong')
    const base = { roomName: 'tour', callId: 'c', toUserId: 'bob' }
    await ackOk(alice, 'call:offer', { ...base, sdp: 'o', media: 'audio' })
    await ackOk(bob, 'call:answer', { ...base, toUserId: 'alice', sdp: 'a' })
    await ackOk(alice, 'call:ice-candidate', { ...base, candidate: { candidate: 'c', sdpMid: null } })
    await ackOk(bob, 'call:hangup', { ...base, toUserId: 'alice' })
    await ackOk(bob, 'room:leave', { roomName: 'tour' })
    await alice.waitFor('user:left')
    await bob.waitFor('call:ice-candidate')
    await alice.waitFor('call:hangup')
    await sleep(50)

    expect([...sent].sort()).toEqual([...Object.keys(clientEventSchemas), 'ping'].sort())
    const received = new Set<string>()
    for (const entry of [...alice.log, ...bob.log]) {
      const schema = SERVER_SCHEMAS[entry.event as keyof ServerToClientEvents]
      expect(schema, `unexpected event ${entry.event}`).toBeDefined()
      expect(
        schema.safeParse(entry.payload).success,
        `${entry.event}: ${JSON.stringify(entry.payload)}`,
      ).toBe(true)
      received.add(entry.event)
    }
    expect([...received].sort()).toEqual(Object.keys(SERVER_SCHEMAS).sort())
  })
})
