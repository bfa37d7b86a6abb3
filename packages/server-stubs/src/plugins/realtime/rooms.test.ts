import { ErrorBodySchema } from '@nself/contracts'
import { RoomInfoSchema, RoomJoinAckDataSchema, UserRoomEventSchema } from '@nself/contracts/realtime'
import { describe, expect, it } from 'vitest'
import { realtimeServers, realtimeSuite, sleep, startRealtime, until } from '../../../test/realtime-kit'

const SECRET = 'rooms-test-secret'

describe('realtime rooms', () => {
  const rt = realtimeSuite({
    jwtSecret: SECRET,
    rooms: [{ name: 'board', private: true, members: ['alice', 'bob'] }],
  })

  const service = () => ({ authorization: `Bearer ${rt.kit.token('ops', { role: 'service' })}` })

  it('room:join creates the room on first join; the ack has memberCount, members with presence and typists', async () => {
    const alice = await rt.kit.connect('alice')
    const before = Date.now()
    const ack = await alice.ack('room:join', { roomName: 'general-1' })
    expect(ack.success).toBe(true)
    const data = RoomJoinAckDataSchema.parse(ack.data)
    // extension: serverTime always; no `messages` without `since`.
    expect(data).toEqual({
      roomName: 'general-1',
      memberCount: 1,
      members: [{ userId: 'alice', status: 'online', customStatus: null, customEmoji: null }],
      typing: [],
      serverTime: expect.any(String),
    })
    const serverTime = Date.parse(data.serverTime ?? '')
    expect(serverTime).toBeGreaterThanOrEqual(before)
    expect(serverTime).toBeLessThanOrEqual(Date.now())
    const bob = await rt.kit.connect('bob')
    await bob.ack('presence:update', { status: 'busy', customStatus: { text: 'focus', emoji: '🎧' } })
    const second = RoomJoinAckDataSchema.parse((await bob.ack('room:join', { roomName: 'general-1' })).data)
    expect(second.memberCount).toBe(2)
    expect(second.members).toEqual([
      { userId: 'alice', status: 'online', customStatus: null, customEmoji: null },
      { userId: 'bob', status: 'busy', customStatus: 'focus', customEmoji: '🎧' },
    ])
  })

  it('user:joined goes to the other members only, once per membership', async () => {
    const alice = await rt.kit.connect('alice')
    const aliceTab = await rt.kit.connect('alice')
    await alice.ack('room:join', { roomName: 'general-2' })
    const bob = await rt.kit.connect('bob')
    expect((await bob.ack('room:join', { roomName: 'general-2' })).success).toBe(true)
    const joined = UserRoomEventSchema.parse(await alice.waitFor('user:joined'))
    expect(joined).toEqual({ roomName: 'general-2', userId: 'bob' })
    expect(bob.events('user:joined')).toEqual([])
    // Alice's second tab joining adds no membership: nobody hears about it.
    await aliceTab.ack('room:join', { roomName: 'general-2' })
    await bob.ack('room:join', { roomName: 'general-2' })
    await sleep(50)
    expect(bob.events('user:joined')).toEqual([])
    expect(alice.events('user:joined')).toHaveLength(1)
  })

  it('room:leave acks { success: true } and tells the others user:left; every socket of the user leaves', async () => {
    const alice = await rt.kit.connect('alice')
    const bob = await rt.kit.connect('bob')
    const bobTab = await rt.kit.connect('bob')
    for (const c of [alice, bob, bobTab]) await c.ack('room:join', { roomName: 'general-3' })
    const left = await bob.ack('room:leave', { roomName: 'general-3' })
    expect(left).toEqual({ success: true })
    expect(await alice.waitFor('user:left')).toEqual({ roomName: 'general-3', userId: 'bob' })
    // Bob's other tab left too: it no longer receives the room's messages.
    await alice.ack('message:send', { roomName: 'general-3', content: 'after bob left' })
    await alice.waitFor('message:new', (m) => m.content === 'after bob left')
    await sleep(50)
    expect(bobTab.events('message:new')).toEqual([])
    expect(bob.events('user:left')).toEqual([])
    const rejoin = RoomJoinAckDataSchema.parse((await alice.ack('room:join', { roomName: 'general-3' })).data)
    expect(rejoin.memberCount).toBe(1)
  })

  it('memberships survive a disconnect (no user:left; the member count keeps them)', async () => {
    const alice = await rt.kit.connect('alice')
    const carol = await rt.kit.connect('carol')
    await alice.ack('room:join', { roomName: 'general-4' })
    await carol.ack('room:join', { roomName: 'general-4' })
    carol.close()
    await alice.waitFor('presence:changed', (p) => p.userId === 'carol' && p.status === 'offline')
    await sleep(50)
    expect(alice.events('user:left')).toEqual([])
    const again = await rt.kit.connect('carol')
    const data = RoomJoinAckDataSchema.parse((await again.ack('room:join', { roomName: 'general-4' })).data)
    expect(data.memberCount).toBe(2)
    expect(data.members?.map((m) => [m.userId, m.status])).toEqual([
      ['alice', 'online'],
      ['carol', 'online'],
    ])
  })

  it('a private room declared by option refuses non-members with ROOM_FORBIDDEN and lists its members', async () => {
    const mallory = await rt.kit.connect('mallory')
    expect(await mallory.ack('room:join', { roomName: 'board' })).toEqual({
      success: false,
      error: { code: 'ROOM_FORBIDDEN', message: 'Room "board" is private' },
    })
    expect((await mallory.ack('message:send', { roomName: 'board', content: 'hi' })).error?.code).toBe(
      'ROOM_FORBIDDEN',
    )
    const alice = await rt.kit.connect('alice')
    const data = RoomJoinAckDataSchema.parse((await alice.ack('room:join', { roomName: 'board' })).data)
    // Declared members are listed (bob has never joined, and is offline).
    expect(data.members).toEqual([
      { userId: 'alice', status: 'online', customStatus: null, customEmoji: null },
      { userId: 'bob', status: 'offline', customStatus: null, customEmoji: null },
    ])
    expect(data.memberCount).toBe(2)
  })

  it('PUT /v1/rooms/:name (service token) makes a room private; removed members leave at once', async () => {
    const alice = await rt.kit.connect('alice')
    const dave = await rt.kit.connect('dave')
    await alice.ack('room:join', { roomName: 'team-5' })
    await dave.ack('room:join', { roomName: 'team-5' })
    const res = await fetch(`${rt.server.url}/v1/rooms/team-5`, {
      method: 'PUT',
      headers: { ...service(), 'content-type': 'application/json' },
      body: JSON.stringify({ private: true, members: ['alice', 'erin'] }),
    })
    expect(res.status).toBe(200)
    expect(RoomInfoSchema.parse(await res.json())).toEqual({
      name: 'team-5',
      private: true,
      members: ['alice', 'erin'],
      joined: ['alice'],
    })
    // Dave is told, the room is told, and he can neither send nor rejoin.
    expect(await dave.waitFor('user:left')).toEqual({ roomName: 'team-5', userId: 'dave' })
    expect(await alice.waitFor('user:left')).toEqual({ roomName: 'team-5', userId: 'dave' })
    expect((await dave.ack('message:send', { roomName: 'team-5', content: 'x' })).error?.code).toBe(
      'ROOM_FORBIDDEN',
    )
    expect((await dave.ack('room:join', { roomName: 'team-5' })).error?.code).toBe('ROOM_FORBIDDEN')
    const erin = await rt.kit.connect('erin')
    expect((await erin.ack('room:join', { roomName: 'team-5' })).success).toBe(true)
    // GET reads it back; making it public again lets anyone in.
    const get = await fetch(`${rt.server.url}/v1/rooms/team-5`, { headers: service() })
    expect(RoomInfoSchema.parse(await get.json()).joined).toEqual(['alice', 'erin'])
    await fetch(`${rt.server.url}/v1/rooms/team-5`, {
      method: 'PUT',
      headers: { ...service(), 'content-type': 'application/json' },
      body: JSON.stringify({}),
    })
    expect((await dave.ack('room:join', { roomName: 'team-5' })).success).toBe(true)
  })

  it('the room routes are for service tokens only and validate their input', async () => {
    const user = { authorization: `Bearer ${rt.kit.token('alice')}` }
    const put = (headers: Record<string, string>, body: string) =>
      fetch(`${rt.server.url}/v1/rooms/x`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      })
    expect((await put({}, '{}')).status).toBe(401)
    const forbidden = await put(user, '{"private":true}')
    expect(forbidden.status).toBe(403)
    expect(ErrorBodySchema.parse(await forbidden.json()).code).toBe('FORBIDDEN')
    const invalid = await put(service(), '{"private":"yes","members":[1]}')
    expect(invalid.status).toBe(400)
    expect(ErrorBodySchema.parse(await invalid.json()).code).toBe('VALIDATION_FAILED')
    const tooLong = await fetch(`${rt.server.url}/v1/rooms/${'r'.repeat(201)}`, {
      method: 'PUT',
      headers: { ...service(), 'content-type': 'application/json' },
      body: '{}',
    })
    expect(tooLong.status).toBe(400)
    expect((await fetch(`${rt.server.url}/v1/rooms/never-made`, { headers: service() })).status).toBe(404)
    expect((await fetch(`${rt.server.url}/v1/rooms/x`, { headers: user })).status).toBe(403)
  })

  it('metrics count the rooms and those with sockets in them', async () => {
    const alice = await rt.kit.connect('alice')
    await alice.ack('room:join', { roomName: 'metrics-room' })
    const read = async () =>
      (await (
        await fetch(`${rt.server.url}/metrics`, {
          headers: { ...service(), accept: 'application/json' },
        })
      ).json()) as { rooms: { total: number; active: number } }
    const before = await read()
    expect(before.rooms.active).toBeGreaterThanOrEqual(1)
    expect(before.rooms.total).toBeGreaterThanOrEqual(before.rooms.active)
    alice.close()
    await until(async () => (await read()).rooms.active === before.rooms.active - 1)
    expect((await read()).rooms.total).toBe(before.rooms.total)
  })
})

describe('realtime rooms with createRoomsOnJoin: false (the real plugin)', () => {
  const servers = realtimeServers()

  it('joining an unknown room fails with ROOM_NOT_FOUND; a declared one works', async () => {
    const { kit } = await servers.start({
      jwtSecret: SECRET,
      createRoomsOnJoin: false,
      rooms: [{ name: 'lobby' }],
    })
    const alice = await kit.connect('alice')
    expect(await alice.ack('room:join', { roomName: 'nowhere' })).toEqual({
      success: false,
      error: { code: 'ROOM_NOT_FOUND', message: 'Room not found' },
    })
    expect((await alice.ack('room:join', { roomName: 'lobby' })).success).toBe(true)
  })

  it('an invalid declared room refuses to start', async () => {
    await expect(startRealtime({ jwtSecret: SECRET, rooms: [{ name: '' }] })).rejects.toThrow(
      /invalid room name/,
    )
  })
})
