import { RoomJoinAckDataSchema, TypingEventSchema } from '@nself/contracts/realtime'
import { describe, expect, it } from 'vitest'
import { realtimeSuite, sleep } from '../../../test/realtime-kit'

const SECRET = 'typing-test-secret'
const TIMEOUT = 1_000

describe('realtime typing', () => {
  const rt = realtimeSuite({ jwtSecret: SECRET, env: { REALTIME_TYPING_TIMEOUT: String(TIMEOUT) } })

  it('typing:start sends the full list to the other sockets of the room, one entry per user', async () => {
    const [alice, bob, carol] = await rt.kit.joined('t-1', 'alice', 'bob', 'carol')
    const aliceTab = await rt.kit.connect('alice')
    await aliceTab.ack('room:join', { roomName: 't-1' })
    alice.send('typing:start', { roomName: 't-1' })
    const first = TypingEventSchema.parse(await bob.waitFor('typing:event'))
    expect(first.roomName).toBe('t-1')
    expect('threadId' in first).toBe(false)
    expect(first.users.map((u) => u.userId)).toEqual(['alice'])
    // Alice's other tab is another socket: it hears it too; the typing socket does not.
    await aliceTab.waitFor('typing:event')
    // Starting again (and from her other tab) keeps one entry with the first startedAt.
    alice.send('typing:start', { roomName: 't-1' })
    aliceTab.send('typing:start', { roomName: 't-1' })
    carol.send('typing:start', { roomName: 't-1' })
    const both = await bob.waitFor('typing:event', (e) => e.users.length === 2)
    expect(both.users).toEqual([
      { userId: 'alice', startedAt: first.users[0]?.startedAt },
      { userId: 'carol', startedAt: expect.any(String) },
    ])
    for (const e of bob.events('typing:event')) {
      expect(new Set(e.users.map((u) => u.userId)).size).toBe(e.users.length)
    }
    await sleep(30)
    expect(alice.events('typing:event', (e) => e.users.some((u) => u.userId === 'carol'))).toHaveLength(1)
    expect(carol.events('typing:event', (e) => e.users.length === 2)).toHaveLength(0)
  })

  it('typing:stop removes the user at once and tells the others', async () => {
    const [alice, bob] = await rt.kit.joined('t-2', 'alice', 'bob')
    alice.send('typing:start', { roomName: 't-2' })
    await bob.waitFor('typing:event', (e) => e.users.length === 1)
    alice.send('typing:stop', { roomName: 't-2' })
    expect(await bob.waitFor('typing:event', (e) => e.users.length === 0)).toEqual({
      roomName: 't-2',
      users: [],
    })
  })

  it(`a typist that stops sending lapses after REALTIME_TYPING_TIMEOUT (${TIMEOUT} ms) and the room is told`, async () => {
    const [alice, bob] = await rt.kit.joined('t-3', 'alice', 'bob')
    alice.send('typing:start', { roomName: 't-3' })
    await bob.waitFor('typing:event', (e) => e.users.length === 1)
    const started = Date.now()
    const lapsed = await bob.waitFor('typing:event', (e) => e.users.length === 0, TIMEOUT + 3_000)
    const elapsed = Date.now() - started
    expect(lapsed).toEqual({ roomName: 't-3', users: [] })
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 50)
    expect(elapsed).toBeLessThan(TIMEOUT + 2_000)
  })

  it('a refresh keeps the typist past the first timeout', async () => {
    const [alice, bob] = await rt.kit.joined('t-4', 'alice', 'bob')
    alice.send('typing:start', { roomName: 't-4' })
    await bob.waitFor('typing:event')
    await sleep(TIMEOUT * 0.6)
    alice.send('typing:start', { roomName: 't-4' })
    await sleep(TIMEOUT * 0.6)
    expect(bob.events('typing:event', (e) => e.users.length === 0)).toEqual([])
    await bob.waitFor('typing:event', (e) => e.users.length === 0, TIMEOUT + 3_000)
  })

  it('a socket that disconnects while typing leaves no typist behind (at once, not after the timeout)', async () => {
    const [alice, bob] = await rt.kit.joined('t-5', 'alice', 'bob')
    alice.send('typing:start', { roomName: 't-5' })
    alice.send('typing:start', { roomName: 't-5', threadId: 'th' })
    await bob.waitFor('typing:event', (e) => e.threadId === 'th')
    const closedAt = Date.now()
    alice.close()
    const room5 = await bob.waitFor('typing:event', (e) => e.users.length === 0 && e.threadId === undefined)
    const thread = await bob.waitFor('typing:event', (e) => e.users.length === 0 && e.threadId === 'th')
    expect(room5).toEqual({ roomName: 't-5', users: [] })
    expect(thread).toEqual({ roomName: 't-5', threadId: 'th', users: [] })
    // Well before the typist would have lapsed.
    expect(Date.now() - closedAt).toBeLessThan(TIMEOUT * 0.6)
    const carol = await rt.kit.connect('carol')
    const ack = RoomJoinAckDataSchema.parse((await carol.ack('room:join', { roomName: 't-5' })).data)
    expect(ack.typing).toEqual([])
  })

  it('threads are separate lists; the join ack lists every thread with typists', async () => {
    const [alice, bob] = await rt.kit.joined('t-6', 'alice', 'bob')
    alice.send('typing:start', { roomName: 't-6', threadId: 'a' })
    bob.send('typing:start', { roomName: 't-6' })
    const threadEvent = await bob.waitFor('typing:event', (e) => e.threadId === 'a')
    expect(threadEvent.users.map((u) => u.userId)).toEqual(['alice'])
    await alice.waitFor('typing:event', (e) => e.threadId === undefined)
    const carol = await rt.kit.connect('carol')
    const ack = RoomJoinAckDataSchema.parse((await carol.ack('room:join', { roomName: 't-6' })).data)
    expect(ack.typing).toEqual([
      { threadId: '', users: [{ userId: 'bob', startedAt: expect.any(String) }] },
      { threadId: 'a', users: [{ userId: 'alice', startedAt: expect.any(String) }] },
    ])
  })

  it('typing in a room one is not a member of is ignored', async () => {
    const [bob] = await rt.kit.joined('t-7', 'bob')
    const mallory = await rt.kit.connect('mallory')
    mallory.send('typing:start', { roomName: 't-7' })
    mallory.send('typing:start', { roomName: 42 })
    await sleep(80)
    expect(bob?.events('typing:event')).toEqual([])
  })
})
