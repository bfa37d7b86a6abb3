import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { MemoryRealtimeStore } from './memory-store'
import type { RealtimeStore } from './realtime-store'
import { RedisRealtimeStore } from './redis-store'

// Never skipped: REDIS_URL in CI, else the local Redis on its default port.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const clients: Redis[] = []

function redisStore(prefix: string, instanceId: string = randomUUID()): RedisRealtimeStore {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  clients.push(redis)
  return new RedisRealtimeStore({ redis, prefix, instanceId })
}

afterAll(async () => {
  // Remove what the tests wrote.
  const admin = new Redis(REDIS_URL)
  const keys = await admin.keys('nself-test:store:*')
  if (keys.length > 0) await admin.del(...keys)
  await admin.quit()
  for (const client of clients) if (client.status === 'ready') await client.quit()
})

const kinds: Array<[string, () => RealtimeStore]> = [['memory', () => new MemoryRealtimeStore()]]
kinds.push(['redis', () => redisStore(`nself-test:store:${randomUUID()}:`)])

// The same behaviour from both stores: the features do not know which one they speak to.
describe.each(kinds)('%s store', (_kind, make) => {
  it('rooms: ensure, declare, members', async () => {
    const store = make()
    expect(await store.getRoom('a')).toBeNull()
    expect(await store.ensureRoom('a')).toEqual({ name: 'a', private: false, allowed: [] })
    await store.putRoom({ name: 'b', private: true, allowed: ['x', 'y', 'x'] })
    expect(await store.ensureRoom('b')).toEqual({ name: 'b', private: true, allowed: ['x', 'y'] })
    expect(await store.roomCount()).toBe(2)
    expect(await store.addMember('a', 'u1')).toEqual({ added: true })
    expect(await store.addMember('a', 'u1')).toEqual({ added: false })
    await store.addMember('a', 'u2')
    expect((await store.members('a')).sort()).toEqual(['u1', 'u2'])
    expect(await store.isMember('a', 'u1')).toBe(true)
    expect(await store.removeMember('a', 'u1')).toBe(true)
    expect(await store.removeMember('a', 'u1')).toBe(false)
    expect(await store.isMember('a', 'u1')).toBe(false)
    await store.close()
  })

  it('presence: connections, first and last, statuses, auto-away, custom status expiry', async () => {
    const store = make()
    const t = 1_000_000
    expect(await store.addConnection('u', 's1', t)).toEqual({
      first: true,
      presence: expect.objectContaining({ status: 'online', customStatus: null, lastActivity: t }),
    })
    expect((await store.addConnection('u', 's2', t)).first).toBe(false)
    await store.setPresence('u', {
      status: 'busy',
      customStatus: 'x',
      customEmoji: null,
      customExpiresAt: t + 10,
    })
    expect(await store.expireCustomStatus('u', t + 5)).toBeNull()
    expect(await store.expireCustomStatus('u', t + 10)).toMatchObject({ status: 'busy', customStatus: null })
    // Only an online user turns away, and only when idle long enough.
    expect(await store.markAway('u', t + 100)).toBeNull()
    await store.setPresence('u', {
      status: 'online',
      customStatus: null,
      customEmoji: null,
      customExpiresAt: null,
    })
    expect(await store.markAway('u', t - 1)).toBeNull()
    expect(await store.markAway('u', t + 100)).toMatchObject({ status: 'away', autoAway: true })
    expect(await store.recordActivity('u', t + 200)).toMatchObject({ status: 'online', autoAway: false })
    expect(await store.recordActivity('u', t + 300)).toBeNull()
    expect(await store.removeConnection('u', 's1')).toEqual({ last: false })
    expect(await store.removeConnection('u', 's1')).toEqual({ last: false })
    expect(await store.removeConnection('u', 's2')).toEqual({ last: true })
    const [u, never] = await store.getPresences(['u', 'never'])
    expect(u).toMatchObject({ userId: 'u', connected: false })
    expect(never).toMatchObject({ userId: 'never', connected: false, status: 'offline' })
    // An invisible user reconnecting stays invisible; anyone else starts over online.
    await store.addConnection('v', 's3', t)
    await store.setPresence('v', {
      status: 'invisible',
      customStatus: null,
      customEmoji: null,
      customExpiresAt: null,
    })
    await store.removeConnection('v', 's3')
    expect((await store.addConnection('v', 's4', t)).presence.status).toBe('invisible')
    expect((await store.addConnection('u', 's5', t)).presence.status).toBe('online')
    expect(await store.presenceCounts()).toEqual({ online: 1, away: 0, busy: 0, offline: 1 })
    await store.close()
  })

  it('typing: one list per room and thread, per socket entries, lapse, stop, disconnect', async () => {
    const store = make()
    const t = 5_000
    await store.updateTyping('r', t, { kind: 'start', threadId: '', userId: 'a', socketId: 's1', ttl: 100 })
    await store.updateTyping('r', t + 10, {
      kind: 'start',
      threadId: '',
      userId: 'a',
      socketId: 's2',
      ttl: 100,
    })
    const again = await store.updateTyping('r', t + 20, {
      kind: 'start',
      threadId: '',
      userId: 'a',
      socketId: 's1',
      ttl: 100,
    })
    expect(again.changedThreads).toEqual([''])
    expect(again.entries.find((e) => e.socketId === 's1')).toMatchObject({ startedAt: t, expiresAt: t + 120 })
    await store.updateTyping('r', t + 20, {
      kind: 'start',
      threadId: 'th',
      userId: 'b',
      socketId: 's3',
      ttl: 100,
    })
    // s2 lapses at t+110; s1 at t+120.
    expect(await store.updateTyping('r', t + 115, { kind: 'expire' })).toEqual({
      changedThreads: [''],
      entries: [expect.objectContaining({ socketId: 's1' }), expect.objectContaining({ socketId: 's3' })],
    })
    expect(
      (await store.updateTyping('r', t + 115, { kind: 'socket', socketId: 's3' })).changedThreads,
    ).toEqual(['th'])
    expect(await store.updateTyping('r', t + 116, { kind: 'stop', threadId: '', userId: 'a' })).toEqual({
      changedThreads: [''],
      entries: [],
    })
    expect(await store.updateTyping('r', t + 117, { kind: 'stop', threadId: '', userId: 'a' })).toEqual({
      changedThreads: [],
      entries: [],
    })
    expect(await store.typing('r', t + 117)).toEqual([])
    await store.updateTyping('r', t, { kind: 'start', threadId: 'x', userId: 'c', socketId: 's9', ttl: 100 })
    expect((await store.updateTyping('r', t + 1, { kind: 'user', userId: 'c' })).changedThreads).toEqual([
      'x',
    ])
    await store.close()
  })

  it('messages: a (user, clientMessageId) is claimed once within the window', async () => {
    const store = make()
    const first = { id: 'm1', timestamp: '2026-01-01T00:00:00.000Z' }
    expect(await store.claimMessage('u', 'c', first, 200, 0)).toEqual({ ...first, duplicate: false })
    expect(await store.claimMessage('u', 'c', { id: 'm2', timestamp: 'x' }, 200, 10)).toEqual({
      ...first,
      duplicate: true,
    })
    expect((await store.claimMessage('other', 'c', { id: 'm3', timestamp: 'x' }, 200, 10)).duplicate).toBe(
      false,
    )
    await store.close()
  })

  it('replay: per room, since inclusive, oldest first, same-ms order kept, newest within limit and age', async () => {
    const store = make()
    const t = Date.parse('2026-01-01T00:00:00.000Z')
    const keep = { limit: 4, maxAgeMs: 1_000 }
    const at = (ms: number, content: string) => ({
      roomName: 'r',
      userId: 'u',
      content,
      timestamp: new Date(ms).toISOString(),
      id: `id-${content}`,
    })
    // `b`, `c`, `d` share a millisecond: they come back in the order they were appended.
    for (const [ms, content] of [
      [t, 'a'],
      [t + 10, 'd'],
      [t + 10, 'c'],
      [t + 10, 'b'],
      [t + 20, 'e'],
    ] as const) {
      await store.appendMessage('r', at(ms, content), keep, t + 20)
    }
    await store.appendMessage('other', { ...at(t, 'x'), roomName: 'other', threadId: 'th' }, keep, t + 20)
    const since = async (ms: number, now = t + 20, retention = keep) =>
      (await store.messagesSince('r', ms, retention, now)).map((m) => m.content)
    // `a` fell out of the limit of 4.
    expect(await since(0)).toEqual(['d', 'c', 'b', 'e'])
    expect(await since(t + 10)).toEqual(['d', 'c', 'b', 'e'])
    expect(await since(t + 11)).toEqual(['e'])
    expect(await since(t + 21)).toEqual([])
    expect(await since(0, t + 20, { limit: 2, maxAgeMs: 1_000 })).toEqual(['b', 'e'])
    expect(await store.messagesSince('r', t + 20, keep, t + 20)).toEqual([at(t + 20, 'e')])
    expect(await store.messagesSince('other', 0, keep, t + 20)).toEqual([
      { ...at(t, 'x'), roomName: 'other', threadId: 'th' },
    ])
    // Age: at t + 1010 only what is at most 1000 ms old is left.
    expect(await since(0, t + 1_010)).toEqual(['d', 'c', 'b', 'e'])
    expect(await since(0, t + 1_011)).toEqual(['e'])
    await store.appendMessage('r', at(t + 1_500, 'f'), keep, t + 1_500)
    expect(await since(0, t + 1_500)).toEqual(['f'])
    expect(await store.messagesSince('empty', 0, keep, t)).toEqual([])
    // A limit or age of 0 keeps nothing.
    await store.appendMessage('off', at(t, 'y'), { limit: 0, maxAgeMs: 1_000 }, t)
    await store.appendMessage('off', at(t, 'z'), { limit: 5, maxAgeMs: 0 }, t)
    expect(await store.messagesSince('off', 0, keep, t)).toEqual([])
    expect(await since(0, t + 1_500, { limit: 0, maxAgeMs: 1_000 })).toEqual([])
    await store.close()
  })
})

describe('redis store across instances', () => {
  it('replay buffers are shared, bounded by rank and age on append, and expire with a TTL', async () => {
    const prefix = `nself-test:store:${randomUUID()}:`
    const one = redisStore(prefix)
    const two = redisStore(prefix)
    const now = Date.now()
    const keep = { limit: 3, maxAgeMs: 60_000 }
    for (let i = 0; i < 5; i++) {
      await one.appendMessage(
        'r',
        {
          roomName: 'r',
          userId: 'u',
          content: `m${i}`,
          timestamp: new Date(now + i).toISOString(),
          id: `${i}`,
        },
        keep,
        now + i,
      )
    }
    expect((await two.messagesSince('r', 0, keep, now + 5)).map((m) => m.content)).toEqual(['m2', 'm3', 'm4'])
    const admin = new Redis(REDIS_URL)
    clients.push(admin)
    const key = `${prefix}replay:r`
    expect(await admin.zcard(key)).toBe(3)
    const ttl = await admin.pttl(key)
    expect(ttl).toBeGreaterThan(50_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
    // Appending trims what the age bound dropped, not only what reads skip.
    await two.appendMessage(
      'r',
      {
        roomName: 'r',
        userId: 'u',
        content: 'late',
        timestamp: new Date(now + 70_000).toISOString(),
        id: 'late',
      },
      keep,
      now + 70_000,
    )
    expect(await admin.zrange(key, 0, -1)).toEqual([expect.stringContaining('"late"')])
  })

  it('an instance that stops beating is swept: its users go offline for the others', async () => {
    const prefix = `nself-test:store:${randomUUID()}:`
    const dead = redisStore(prefix, 'dead')
    const alive = redisStore(prefix, 'alive')
    await dead.heartbeat(1_000, 300)
    await dead.addConnection('ghost', 'g1', 1_000)
    await alive.addConnection('ghost', 'g2', 1_000)
    await alive.addConnection('solo', 'x1', 1_000)
    await dead.addConnection('lost', 'l1', 1_000)
    expect(await alive.heartbeat(1_100, 300)).toEqual([])
    // Three beats later `dead` has not beaten: its sockets are forgotten.
    expect(await alive.heartbeat(1_400, 300)).toEqual(['lost'])
    const [ghost, lost] = await alive.getPresences(['ghost', 'lost'])
    expect(ghost?.connected).toBe(true)
    expect(lost?.connected).toBe(false)
    await alive.close()
    // Closing forgets the instance's own sockets.
    const [solo] = await redisStore(prefix).getPresences(['solo'])
    expect(solo?.connected).toBe(false)
  })

  it('concurrent changes from several instances are never lost', async () => {
    const prefix = `nself-test:store:${randomUUID()}:`
    const stores = [redisStore(prefix), redisStore(prefix), redisStore(prefix)]
    // Three sockets of one user connect on three instances at once: exactly one is the first.
    const connects = await Promise.all(stores.map((store, i) => store.addConnection('u', `s${i}`, 0)))
    expect(connects.filter((c) => c.first)).toHaveLength(1)
    const removes = await Promise.all(stores.map((store, i) => store.removeConnection('u', `s${i}`)))
    expect(removes.filter((r) => r.last)).toHaveLength(1)
    // Every instance types in the same room at once: no entry may be lost to a race.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        stores[i % 3]?.updateTyping('r', 1_000, {
          kind: 'start',
          threadId: '',
          userId: `u${i}`,
          socketId: `s${i}`,
          ttl: 10_000,
        }),
      ),
    )
    expect(await stores[0]?.typing('r', 1_001)).toHaveLength(30)
  })
})
