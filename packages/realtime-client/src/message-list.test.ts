import { createMockRealtimeClient } from '@nself/realtime-client/testing'
import { describe, expect, it } from 'vitest'

// A room's message list is kept in place and copied into the snapshot when read (or at once
// while anyone is subscribed): these pin what a reader sees either way.
const base = { roomName: 'r', userId: 'ann', content: 'x', timestamp: new Date().toISOString() }
const contents = (c: ReturnType<typeof createMockRealtimeClient>) =>
  c.getSnapshot().rooms.r?.messages.map((m) => m.content)

describe('room message lists', () => {
  it('keep the newest maxMessages in order, read after every message or once after many', async () => {
    const every = createMockRealtimeClient({ maxMessages: 3 })
    const once = createMockRealtimeClient({ maxMessages: 3 })
    every.connect()
    once.connect()
    await every.joinRoom('r')
    await once.joinRoom('r')
    const seen: Array<string[] | undefined> = []
    for (let i = 0; i < 20; i++) {
      const m = { ...base, id: `${i}`, clientMessageId: `c${i}`, content: `m${i}` }
      every.receive('message:new', m)
      once.receive('message:new', m)
      seen.push(contents(every))
    }
    expect(seen.slice(0, 4)).toEqual([['m0'], ['m0', 'm1'], ['m0', 'm1', 'm2'], ['m1', 'm2', 'm3']])
    expect(seen.at(-1)).toEqual(['m17', 'm18', 'm19'])
    expect(contents(once)).toEqual(['m17', 'm18', 'm19'])
    expect(once.getSnapshot().rooms.r?.messages[0]).toMatchObject({ id: '17', status: 'sent' })
    every.close()
    once.close()
  })

  it('a snapshot is the same object until something changes, and shows a message once its handler runs', async () => {
    const c = createMockRealtimeClient()
    c.connect()
    await c.joinRoom('r')
    const inHandler: Array<string[] | undefined> = []
    c.on('message:new', () => inHandler.push(contents(c)))
    const before = c.getSnapshot()
    expect(c.getSnapshot()).toBe(before)
    c.receive('message:new', { ...base, id: '1', content: 'a' })
    c.receive('message:new', { ...base, id: '2', content: 'b' })
    const after = c.getSnapshot()
    expect(after).not.toBe(before)
    expect(c.getSnapshot()).toBe(after)
    expect(before.rooms.r?.messages).toEqual([])
    expect(inHandler).toEqual([['a'], ['a', 'b']])
    c.close()
  })

  it('while subscribed, tells listeners at every message with the snapshot already showing it', async () => {
    const c = createMockRealtimeClient()
    c.connect()
    await c.joinRoom('r')
    c.receive('message:new', { ...base, id: '0', content: 'unread' })
    const told: Array<string[] | undefined> = []
    const off = c.subscribe(() => told.push(contents(c)))
    // Messages nobody read before the subscription are there for the subscriber.
    expect(contents(c)).toEqual(['unread'])
    told.length = 0
    c.receive('message:new', { ...base, id: '1', content: 'a' })
    c.receive('message:new', { ...base, id: '1', content: 'a' }) // a repeat: no change
    c.receive('message:new', { ...base, id: '2', content: 'b' })
    expect(told).toEqual([
      ['unread', 'a'],
      ['unread', 'a', 'b'],
    ])
    off()
    c.close()
  })

  it('shows an own message once: pending, then replaced by its echo and acknowledged in place', async () => {
    const c = createMockRealtimeClient({ userId: 'me', maxMessages: 2 })
    c.connect()
    await c.joinRoom('r')
    c.receive('message:new', { ...base, id: 'x', content: 'theirs' })
    const sent = c.send('r', 'mine')
    expect(c.getSnapshot().rooms.r?.messages.map((m) => [m.content, m.status])).toEqual([
      ['theirs', 'sent'],
      ['mine', 'pending'],
    ])
    await expect(sent).resolves.toMatchObject({ content: 'mine', status: 'sent' })
    await new Promise((done) => setTimeout(done, 0))
    expect(c.getSnapshot().rooms.r?.messages.map((m) => [m.content, m.status, m.id])).toEqual([
      ['theirs', 'sent', 'x'],
      ['mine', 'sent', (await sent).id],
    ])
    c.close()
  })
})
