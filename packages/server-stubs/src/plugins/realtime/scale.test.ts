import { randomUUID } from 'node:crypto'
import {
  MessageSendAckDataSchema,
  RealtimeMetricsSchema,
  RoomJoinAckDataSchema,
} from '@nself/contracts/realtime'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type RealtimeKit,
  type RealtimeStub,
  realtimeServers,
  sleep,
  startRealtime,
} from '../../../test/realtime-kit'
import type { RealtimeServer } from '../../index'

// Scale mode: two instances on one Redis.
// Never skipped: REDIS_URL in CI, else the local Redis on its default port.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const SECRET = 'scale-test-secret'

describe('realtime scale mode: two instances on one Redis', () => {
  const prefix = `nself-test:scale:${randomUUID()}:`
  let a: RealtimeServer
  let b: RealtimeServer
  let kit: RealtimeKit
  let stubs: RealtimeStub[] = []
  beforeAll(async () => {
    const options = {
      jwtSecret: SECRET,
      env: { REDIS_URL, REALTIME_TYPING_TIMEOUT: '1500' },
      redisKeyPrefix: prefix,
      rooms: [{ name: 'vault', private: true, members: ['alice', 'bob'] }],
    }
    const first = await startRealtime(options)
    const second = await startRealtime(options)
    stubs = [first, second]
    ;({ server: a, kit } = first)
    b = second.server
  })
  afterEach(() => kit.closeAll())
  afterAll(async () => {
    await Promise.all(stubs.map((stub) => stub.close()))
    const admin = new Redis(REDIS_URL)
    const keys = await admin.keys(`${prefix}*`)
    if (keys.length > 0) await admin.del(...keys)
    await admin.quit()
  })

  const onA = (user: string) => kit.connect(user, { url: a.url })
  const onB = (user: string) => kit.connect(user, { url: b.url })

  it('runs on Redis', () => {
    expect(a.store.kind).toBe('redis')
    expect(b.store.kind).toBe('redis')
  })

  it('presence crosses instances: online, a second socket elsewhere, offline only on the last', async () => {
    const bob = await onB('bob-1')
    const alice = await onA('alice-1')
    expect(await bob.waitFor('presence:changed', (p) => p.userId === 'alice-1')).toEqual({
      userId: 'alice-1',
      status: 'online',
      customStatus: null,
      customEmoji: null,
    })
    // Alice's second socket on instance B does not make her "come online" again.
    const alicePhone = await onB('alice-1')
    alice.send('presence:update', { status: 'busy', customStatus: { text: 'deep work' } })
    expect(
      await bob.waitFor('presence:changed', (p) => p.userId === 'alice-1' && p.status === 'busy'),
    ).toEqual({
      userId: 'alice-1',
      status: 'busy',
      customStatus: 'deep work',
      customEmoji: null,
    })
    const ack = await bob.ack('presence:get', { userIds: ['alice-1'] })
    expect(ack.data).toEqual({
      presences: [{ userId: 'alice-1', status: 'busy', customStatus: 'deep work', customEmoji: null }],
    })
    alice.close()
    await sleep(150)
    expect(bob.events('presence:changed', (p) => p.userId === 'alice-1' && p.status === 'offline')).toEqual(
      [],
    )
    alicePhone.close()
    expect(
      await bob.waitFor('presence:changed', (p) => p.userId === 'alice-1' && p.status === 'offline'),
    ).toEqual({
      userId: 'alice-1',
      status: 'offline',
    })
    // Invisible on A is offline for B's users too.
    const carol = await onA('carol-1')
    carol.send('presence:update', { status: 'invisible' })
    await bob.waitFor('presence:changed', (p) => p.userId === 'carol-1' && p.status === 'offline')
    await sleep(50)
    expect(bob.events('presence:changed', (p) => p.status === 'invisible')).toEqual([])
  })

  it('replay (extension): what instance A buffered is replayed to a join with `since` on B', async () => {
    const alice = await onA('alice-r')
    const { serverTime } = RoomJoinAckDataSchema.parse(
      (await alice.ack('room:join', { roomName: 'x-replay' })).data,
    )
    const ids: string[] = []
    for (const content of ['one', 'two', 'three']) {
      const sent = await alice.ack('message:send', {
        roomName: 'x-replay',
        content,
        clientMessageId: content,
      })
      ids.push(MessageSendAckDataSchema.parse(sent.data).id)
    }
    const bob = await onB('bob-r')
    const join = RoomJoinAckDataSchema.parse(
      (await bob.ack('room:join', { roomName: 'x-replay', since: serverTime })).data,
    )
    expect(join.messages?.map((m) => [m.id, m.clientMessageId, m.userId])).toEqual([
      [ids[0], 'one', 'alice-r'],
      [ids[1], 'two', 'alice-r'],
      [ids[2], 'three', 'alice-r'],
    ])
    expect(join.messages).toEqual(alice.events('message:new'))
  })

  it('rooms, messages and typing cross instances; the join ack sees members of both', async () => {
    const alice = await onA('alice-2')
    const bob = await onB('bob-2')
    await alice.ack('room:join', { roomName: 'x-1' })
    const join = RoomJoinAckDataSchema.parse((await bob.ack('room:join', { roomName: 'x-1' })).data)
    expect(join.memberCount).toBe(2)
    expect(join.members?.map((m) => [m.userId, m.status])).toEqual([
      ['alice-2', 'online'],
      ['bob-2', 'online'],
    ])
    expect(await alice.waitFor('user:joined')).toEqual({ roomName: 'x-1', userId: 'bob-2' })

    const sent = await alice.ack('message:send', {
      roomName: 'x-1',
      content: 'across',
      clientMessageId: 'm-1',
    })
    const { id } = MessageSendAckDataSchema.parse(sent.data)
    expect(await bob.waitFor('message:new')).toMatchObject({ content: 'across', id, clientMessageId: 'm-1' })
    expect(await alice.waitFor('message:new')).toMatchObject({ id })

    alice.send('typing:start', { roomName: 'x-1' })
    expect((await bob.waitFor('typing:event', (e) => e.users.length === 1)).users[0]?.userId).toBe('alice-2')
    // Bob joins late on B and sees alice typing in his ack.
    const late = await onB('dave-2')
    const lateJoin = RoomJoinAckDataSchema.parse((await late.ack('room:join', { roomName: 'x-1' })).data)
    expect(lateJoin.typing).toEqual([
      { threadId: '', users: [{ userId: 'alice-2', startedAt: expect.any(String) }] },
    ])
    // The lapse is broadcast to the other instance's sockets too.
    await bob.waitFor('typing:event', (e) => e.users.length === 0, 5_000)

    // A disconnect on A removes the typist for B at once.
    alice.send('typing:start', { roomName: 'x-1' })
    await bob.waitFor('typing:event', (e) => e.users.length === 1, { since: bob.log.length })
    const since = bob.log.length
    alice.close()
    // Well before it would lapse (1500 ms).
    await bob.waitFor('typing:event', (e) => e.users.length === 0, { since, timeoutMs: 1_000 })

    // Leaving on B is heard on A.
    // (A new socket re-joins: memberships survive, Socket.IO rooms are per socket.)
    const alice2 = await onA('alice-2')
    await alice2.ack('room:join', { roomName: 'x-1' })
    await late.ack('room:leave', { roomName: 'x-1' })
    expect(await alice2.waitFor('user:left')).toEqual({ roomName: 'x-1', userId: 'dave-2' })
  })

  it('de-duplication works across instances: a resend to the other instance is acked, not broadcast', async () => {
    const aliceA = await onA('alice-3')
    const aliceB = await onB('alice-3')
    const bob = await onB('bob-3')
    await aliceA.ack('room:join', { roomName: 'x-2' })
    await bob.ack('room:join', { roomName: 'x-2' })
    const first = await aliceA.ack('message:send', { roomName: 'x-2', content: 'once', clientMessageId: 'k' })
    const resend = await aliceB.ack('message:send', {
      roomName: 'x-2',
      content: 'once',
      clientMessageId: 'k',
    })
    expect(resend).toEqual(first)
    await bob.waitFor('message:new', (m) => m.content === 'once')
    await sleep(150)
    expect(bob.events('message:new')).toHaveLength(1)
  })

  it('a private room declared on A, or changed over HTTP on B, holds on both', async () => {
    const mallory = await onB('mallory')
    expect((await mallory.ack('room:join', { roomName: 'vault' })).error?.code).toBe('ROOM_FORBIDDEN')
    const bob = await onA('bob')
    expect((await bob.ack('room:join', { roomName: 'vault' })).success).toBe(true)
    const res = await fetch(`${b.url}/v1/rooms/vault`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${kit.token('ops', { role: 'service' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ private: true, members: ['alice'] }),
    })
    expect(res.status).toBe(200)
    // Bob, connected to A, is taken off the room by B.
    expect(await bob.waitFor('user:left')).toEqual({ roomName: 'vault', userId: 'bob' })
    expect((await bob.ack('message:send', { roomName: 'vault', content: 'x' })).error?.code).toBe(
      'ROOM_FORBIDDEN',
    )
  })

  it('call signaling reaches a target on the other instance', async () => {
    const alice = await onA('alice-4')
    const bob = await onB('bob-4')
    await alice.ack('room:join', { roomName: 'x-3' })
    await bob.ack('room:join', { roomName: 'x-3' })
    const ack = await alice.ack('call:offer', { roomName: 'x-3', callId: 'c', toUserId: 'bob-4', sdp: 's' })
    expect(ack).toEqual({ success: true })
    expect(await bob.waitFor('call:offer')).toEqual({
      roomName: 'x-3',
      callId: 'c',
      sdp: 's',
      fromUserId: 'alice-4',
    })
  })

  it('an instance that shuts down takes its users offline for the other instances', async () => {
    const { server: c } = await startRealtime({
      jwtSecret: SECRET,
      env: { REDIS_URL },
      redisKeyPrefix: prefix,
    })
    const watcher = await onA('watcher-6')
    await kit.connect('leaving-6', { url: c.url })
    await watcher.waitFor('presence:changed', (p) => p.userId === 'leaving-6' && p.status === 'online')
    await c.close()
    expect(
      await watcher.waitFor('presence:changed', (p) => p.userId === 'leaving-6' && p.status === 'offline'),
    ).toEqual({ userId: 'leaving-6', status: 'offline' })
    const ack = await watcher.ack('presence:get', { userIds: ['leaving-6'] })
    expect(ack.data).toEqual({ presences: [{ userId: 'leaving-6', status: 'offline' }] })
  })

  it('/metrics of either instance reflects the shared state', async () => {
    const alice = await onA('alice-5')
    await alice.ack('room:join', { roomName: 'x-4' })
    const bob = await onB('bob-5')
    bob.send('presence:update', { status: 'busy' })
    await alice.waitFor('presence:changed', (p) => p.userId === 'bob-5' && p.status === 'busy')
    const metrics = RealtimeMetricsSchema.parse(await kit.metricsJson(b.url))
    expect(metrics.rooms.active).toBeGreaterThanOrEqual(1)
    expect(metrics.rooms.total).toBeGreaterThanOrEqual(metrics.rooms.active)
    expect(metrics.presence.busy).toBeGreaterThanOrEqual(1)
    expect(metrics.presence.online).toBeGreaterThanOrEqual(1)
    expect(metrics.connections.active).toBe(b.state.sockets.size)
  })
})

describe('realtime scale mode configuration', () => {
  const servers = realtimeServers()

  it('fails to start, naming the URL without its password, when Redis cannot be reached', async () => {
    await expect(
      startRealtime({ jwtSecret: SECRET, env: { REALTIME_REDIS_URL: 'redis://user:hunter2@127.0.0.1:1/0' } }),
    ).rejects.toThrow('realtime: cannot connect to Redis at redis://user:***@127.0.0.1:1/0')
  })

  it('redisUrl: false keeps the state in memory even with REDIS_URL set', async () => {
    const { server } = await servers.start({
      jwtSecret: SECRET,
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      redisUrl: false,
    })
    expect(server.store.kind).toBe('memory')
  })
})
