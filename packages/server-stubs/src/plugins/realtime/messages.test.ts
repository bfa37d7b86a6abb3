import { MessageNewSchema, MessageSendAckDataSchema } from '@nself/contracts/realtime'
import { describe, expect, it } from 'vitest'
import { realtimeSuite, sleep, until } from '../../../test/realtime-kit'

const SECRET = 'messages-test-secret'

describe('realtime messages', () => {
  const rt = realtimeSuite({
    jwtSecret: SECRET,
    // Bursts of 300 below; the limit itself is tested in limits.test.ts.
    env: { REALTIME_RATE_LIMIT: '1000' },
    dedupWindowMs: 500,
  })

  it('message:new reaches the whole room, sender included, with a server id and the echoed clientMessageId', async () => {
    const [alice, bob] = await rt.kit.joined('m-1', 'alice', 'bob')
    const outsider = await rt.kit.connect('carol')
    const ack = await alice.ack('message:send', {
      roomName: 'm-1',
      content: 'hello',
      threadId: 't-9',
      metadata: { mentions: ['bob'] },
      clientMessageId: 'c-1',
    })
    expect(ack.success).toBe(true)
    const { id, timestamp } = MessageSendAckDataSchema.parse(ack.data)
    const expected = {
      roomName: 'm-1',
      userId: 'alice',
      content: 'hello',
      threadId: 't-9',
      timestamp,
      metadata: { mentions: ['bob'] },
      id,
      clientMessageId: 'c-1',
    }
    expect(MessageNewSchema.parse(await bob.waitFor('message:new'))).toEqual(expected)
    expect(await alice.waitFor('message:new')).toEqual(expected)
    await sleep(30)
    expect(outsider.events('message:new')).toEqual([])
    // Without thread, metadata or clientMessageId the fields are absent, as the real plugin sends them.
    const plain = await bob.ack('message:send', { roomName: 'm-1', content: 'plain' })
    const plainNew = await alice.waitFor('message:new', (m) => m.content === 'plain')
    expect(Object.keys(plainNew).sort()).toEqual(['content', 'id', 'roomName', 'timestamp', 'userId'])
    expect(plainNew.id).toBe(MessageSendAckDataSchema.parse(plain.data).id)
  })

  it('a resend with the same clientMessageId gets the first ack and is not broadcast again', async () => {
    const [alice, bob] = await rt.kit.joined('m-2', 'alice', 'bob')
    const first = await alice.ack('message:send', {
      roomName: 'm-2',
      content: 'once',
      clientMessageId: 'dup-1',
    })
    const again = await alice.ack('message:send', {
      roomName: 'm-2',
      content: 'once',
      clientMessageId: 'dup-1',
    })
    expect(again).toEqual(first)
    // Another user's clientMessageId is their own.
    const bobs = await bob.ack('message:send', { roomName: 'm-2', content: 'mine', clientMessageId: 'dup-1' })
    expect(MessageSendAckDataSchema.parse(bobs.data).id).not.toBe(
      MessageSendAckDataSchema.parse(first.data).id,
    )
    await bob.waitFor('message:new', (m) => m.content === 'mine')
    await sleep(50)
    expect(bob.events('message:new', (m) => m.content === 'once')).toHaveLength(1)
    expect(alice.events('message:new', (m) => m.content === 'once')).toHaveLength(1)
    // Also from another socket of the same user (a reconnect, another tab).
    const aliceTab = await rt.kit.connect('alice')
    expect(
      await aliceTab.ack('message:send', { roomName: 'm-2', content: 'once', clientMessageId: 'dup-1' }),
    ).toEqual(first)
    expect(await rt.kit.metrics()).toMatch(/^nself_realtime_messages_deduplicated_total [2-9]\d*$/m)
  })

  it('the de-duplication window is bounded: past it, the same clientMessageId is a new message', async () => {
    const [alice, bob] = await rt.kit.joined('m-3', 'alice', 'bob')
    const first = await alice.ack('message:send', { roomName: 'm-3', content: 'a', clientMessageId: 'w-1' })
    await sleep(600)
    const later = await alice.ack('message:send', { roomName: 'm-3', content: 'a', clientMessageId: 'w-1' })
    expect(MessageSendAckDataSchema.parse(later.data).id).not.toBe(
      MessageSendAckDataSchema.parse(first.data).id,
    )
    await until(() => bob.events('message:new', (m) => m.content === 'a').length === 2)
  })

  it('only members may send: ROOM_FORBIDDEN otherwise; a membership survives a reconnect', async () => {
    const carol = await rt.kit.connect('carol')
    expect(await carol.ack('message:send', { roomName: 'm-4', content: 'x' })).toEqual({
      success: false,
      error: { code: 'ROOM_FORBIDDEN', message: 'Join room "m-4" first' },
    })
    await carol.ack('room:join', { roomName: 'm-4' })
    carol.close()
    // A new socket of carol, before re-joining (an outbox flushing first), may still send.
    const back = await rt.kit.connect('carol')
    const ack = await back.ack('message:send', { roomName: 'm-4', content: 'from the outbox' })
    expect(ack.success).toBe(true)
  })

  it('keeps each sender’s order (300 messages, acked and received in order)', async () => {
    const [alice, bob] = await rt.kit.joined('m-5', 'alice', 'bob')
    const acks = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        alice.ack('message:send', { roomName: 'm-5', content: String(i), clientMessageId: `o-${i}` }),
      ),
    )
    expect(acks.every((a) => a.success)).toBe(true)
    await until(() => bob.events('message:new').length === 300)
    expect(bob.events('message:new').map((m) => m.content)).toEqual(
      Array.from({ length: 300 }, (_, i) => String(i)),
    )
    const stamps = acks.map((a) => Date.parse(MessageSendAckDataSchema.parse(a.data).timestamp))
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps)
  })

  it('invalid payloads get VALIDATION_FAILED with the issues', async () => {
    const [alice] = await rt.kit.joined('m-6', 'alice', 'bob')
    const tooLong = await alice.ack('message:send', { roomName: 'm-6', content: 'x'.repeat(70_000) })
    expect(tooLong.success).toBe(false)
    expect(tooLong.error?.code).toBe('VALIDATION_FAILED')
    expect(tooLong.error?.details).toEqual([{ path: 'content', message: expect.any(String) }])
    const noRoom = await alice.ack('message:send', { content: 'x' })
    expect(noRoom.error?.code).toBe('VALIDATION_FAILED')
    const badId = await alice.ack('message:send', { roomName: 'm-6', content: 'x', clientMessageId: '' })
    expect(badId.error?.code).toBe('VALIDATION_FAILED')
  })
})
