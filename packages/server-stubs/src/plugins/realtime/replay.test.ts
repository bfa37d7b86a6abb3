import {
  type MessageNew,
  type MessageSendAckData,
  MessageSendAckDataSchema,
  RoomJoinAckDataSchema,
} from '@nself/contracts/realtime'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type RealtimeKit,
  type RealtimeStub,
  sleep,
  startRealtime,
  type TestClient,
  until,
} from '../../../test/realtime-kit'

const SECRET = 'replay-test-secret'

/** Sends a message and returns its ack; waits a little so that the next one gets a later ms. */
async function send(
  client: TestClient,
  roomName: string,
  content: string,
  clientMessageId?: string,
): Promise<MessageSendAckData> {
  const ack = await client.ack('message:send', {
    roomName,
    content,
    ...(clientMessageId === undefined ? {} : { clientMessageId }),
  })
  expect(ack.success).toBe(true)
  await sleep(3)
  return MessageSendAckDataSchema.parse(ack.data)
}

async function join(client: TestClient, roomName: string, since?: string) {
  const ack = await client.ack('room:join', { roomName, ...(since === undefined ? {} : { since }) })
  expect(ack.error).toBeUndefined()
  return RoomJoinAckDataSchema.parse(ack.data)
}

const contents = (messages: readonly MessageNew[] | undefined) => messages?.map((m) => m.content)

describe('realtime replay on room:join { since } (extension)', () => {
  const stubs: RealtimeStub[] = []
  async function start(env: Record<string, string> = {}, port = 0) {
    const stub = await startRealtime({
      port,
      jwtSecret: SECRET,
      env: { REALTIME_RATE_LIMIT: '0', ...env },
      rooms: [{ name: 'secret', private: true, members: ['alice'] }],
    })
    stubs.push(stub)
    return stub
  }
  let kit: RealtimeKit
  beforeAll(async () => {
    ;({ kit } = await start())
  })
  afterEach(() => {
    for (const stub of stubs) stub.kit.closeAll()
  })
  afterAll(async () => {
    await Promise.all(stubs.map((stub) => stub.close()))
  })

  it('returns exactly the messages with timestamp ≥ since, oldest first, as message:new sent them', async () => {
    const alice = await kit.connect('alice')
    await join(alice, 'r-1')
    const first = await send(alice, 'r-1', 'one', 'c-1')
    const second = await send(alice, 'r-1', 'two', 'c-2')
    await send(alice, 'r-1', 'three')
    const live = await alice.waitFor('message:new', (m) => m.content === 'two')
    expect(live).toMatchObject({ id: second.id, clientMessageId: 'c-2', timestamp: second.timestamp })
    await alice.waitFor('message:new', (m) => m.content === 'three')

    const bob = await kit.connect('bob')
    const all = await join(bob, 'r-1', new Date(0).toISOString())
    expect(all.messages).toEqual(alice.events('message:new'))
    expect(all.messages?.[0]).toMatchObject({ id: first.id, clientMessageId: 'c-1', userId: 'alice' })
    // Inclusive: `since` = a message's timestamp returns that message too.
    expect(contents((await join(bob, 'r-1', second.timestamp)).messages)).toEqual(['two', 'three'])
    const later = new Date(Date.parse(second.timestamp) + 1).toISOString()
    expect(contents((await join(bob, 'r-1', later)).messages)).toEqual(['three'])
    // Any ISO offset is accepted.
    expect(contents((await join(bob, 'r-1', second.timestamp.replace('Z', '+00:00'))).messages)).toEqual([
      'two',
      'three',
    ])
    // From now on: present and empty; without `since`: absent. serverTime always.
    const now = await join(bob, 'r-1', new Date(Date.now() + 60_000).toISOString())
    expect(now.messages).toEqual([])
    const plain = await join(bob, 'r-1')
    expect('messages' in plain).toBe(false)
    expect(Date.parse(plain.serverTime ?? '')).toBeGreaterThanOrEqual(Date.parse(second.timestamp))
    // Other rooms' messages stay theirs.
    expect((await join(bob, 'r-1-other', new Date(0).toISOString())).messages).toEqual([])
  })

  it('a de-duplicated resend is not buffered again; a message sent after serverTime is replayed from it', async () => {
    const alice = await kit.connect('alice')
    const bob = await kit.connect('bob')
    const { serverTime } = await join(bob, 'r-2')
    await join(alice, 'r-2')
    const sent = await send(alice, 'r-2', 'once', 'dup')
    expect(await send(alice, 'r-2', 'once', 'dup')).toEqual(sent)
    const replay = await join(bob, 'r-2', serverTime)
    expect(replay.messages).toEqual([expect.objectContaining({ id: sent.id, content: 'once' })])
  })

  it('no gap: a message sent while others join is in their replay or reaches them live', async () => {
    const alice = await kit.connect('alice')
    const { serverTime } = await join(alice, 'r-7')
    const ids: string[] = []
    const sending = (async () => {
      for (let i = 0; i < 80; i++) {
        const ack = await alice.ack('message:send', { roomName: 'r-7', content: `n${i}` })
        ids.push(MessageSendAckDataSchema.parse(ack.data).id)
      }
    })()
    const joiners = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        await sleep(i * 4)
        const client = await kit.connect(`joiner-${i}`)
        return { client, replayed: (await join(client, 'r-7', serverTime)).messages ?? [] }
      }),
    )
    await sending
    for (const { client, replayed } of joiners) {
      const seen = () => new Set([...replayed, ...client.events('message:new')].map((m) => m.id))
      await until(() => seen().size >= ids.length)
      expect([...seen()].sort()).toEqual([...ids].sort())
    }
  })

  it('a private room replays only to its members, after the membership check', async () => {
    const alice = await kit.connect('alice')
    await join(alice, 'secret')
    await send(alice, 'secret', 'for members')
    const mallory = await kit.connect('mallory')
    const denied = await mallory.ack('room:join', { roomName: 'secret', since: new Date(0).toISOString() })
    expect(denied).toEqual({ success: false, error: { code: 'ROOM_FORBIDDEN', message: expect.any(String) } })
    expect(contents((await join(alice, 'secret', new Date(0).toISOString())).messages)).toEqual([
      'for members',
    ])
  })

  it('a bad `since` gets VALIDATION_FAILED and the server keeps serving', async () => {
    const alice = await kit.connect('alice')
    for (const since of ['garbage', '', '2026-13-40T99:00:00Z', '1700000000000', 42, null, { $gt: 0 }, []]) {
      const ack = await alice.ack('room:join', { roomName: 'r-bad', since })
      expect([since, ack.error?.code]).toEqual([since, 'VALIDATION_FAILED'])
    }
    expect(alice.socket.connected).toBe(true)
    await join(alice, 'r-bad')
    await send(alice, 'r-bad', 'still here')
    expect(contents((await join(alice, 'r-bad', new Date(0).toISOString())).messages)).toEqual(['still here'])
  })

  it('REALTIME_REPLAY_LIMIT keeps the newest messages of each room; 0 disables replay', async () => {
    const limited = (await start({ REALTIME_REPLAY_LIMIT: '3' })).kit
    const alice = await limited.connect('alice')
    await join(alice, 'r-3')
    for (const n of [1, 2, 3, 4, 5]) await send(alice, 'r-3', `m${n}`)
    expect(contents((await join(alice, 'r-3', new Date(0).toISOString())).messages)).toEqual([
      'm3',
      'm4',
      'm5',
    ])

    const off = (await start({ REALTIME_REPLAY_LIMIT: '0' })).kit
    const bob = await off.connect('bob')
    const { serverTime } = await join(bob, 'r-4')
    await send(bob, 'r-4', 'not kept')
    const ack = await join(bob, 'r-4', serverTime)
    expect(ack.messages).toEqual([])
    expect(ack.serverTime).toEqual(expect.any(String))
  })

  it('REALTIME_REPLAY_MAX_AGE drops older messages', async () => {
    const aged = (await start({ REALTIME_REPLAY_MAX_AGE: '600' })).kit
    const alice = await aged.connect('alice')
    await join(alice, 'r-5')
    await send(alice, 'r-5', 'old')
    await sleep(700)
    await send(alice, 'r-5', 'fresh')
    expect(contents((await join(alice, 'r-5', new Date(0).toISOString())).messages)).toEqual(['fresh'])
    await sleep(700)
    expect((await join(alice, 'r-5', new Date(0).toISOString())).messages).toEqual([])
  })

  it('restart: a client re-joining a restarted in-memory server gets what others sent since its cursor', async () => {
    const first = await start()
    const { port } = first.server
    const alice = await first.kit.connect('alice', { reconnection: true })
    const bob = await first.kit.connect('bob', { reconnection: true })
    await join(alice, 'r-6')
    await join(bob, 'r-6')
    await send(alice, 'r-6', 'before restart')
    const lastSeen = await bob.waitFor('message:new', (m) => m.content === 'before restart')
    // Carol joined but has seen no message: her cursor is her join's serverTime.
    const carol = await first.kit.connect('carol', { reconnection: true })
    const { serverTime } = await join(carol, 'r-6')

    const marks = [alice, bob, carol].map((c) => c.log.length)
    await first.server.close()
    // Same port, empty memory store: the old messages and rooms are gone.
    const second = await start({}, port)
    await Promise.all(
      [alice, bob, carol].map((c, i) =>
        c.waitFor('connected', undefined, { since: marks[i] ?? 0, timeoutMs: 5_000 }),
      ),
    )
    expect(alice.socket.recovered).toBe(false)
    await join(alice, 'r-6')
    const sent = [
      await send(alice, 'r-6', 'after 1', 'a-1'),
      await send(alice, 'r-6', 'after 2', 'a-2'),
      await send(alice, 'r-6', 'after 3', 'a-3'),
    ]
    // Bob and Carol were not in the new server's room: nothing reached them live.
    expect(bob.events('message:new', (m) => m.content.startsWith('after'))).toEqual([])
    const forBob = await join(bob, 'r-6', lastSeen.timestamp)
    expect(forBob.messages?.map((m) => [m.id, m.clientMessageId, m.content])).toEqual([
      [sent[0]?.id, 'a-1', 'after 1'],
      [sent[1]?.id, 'a-2', 'after 2'],
      [sent[2]?.id, 'a-3', 'after 3'],
    ])
    expect(contents((await join(carol, 'r-6', serverTime)).messages)).toEqual([
      'after 1',
      'after 2',
      'after 3',
    ])
    expect(second.server.store.kind).toBe('memory')
  })
})
