import type { Ack } from '@nself/contracts/realtime'
import { createMockRealtimeClient } from '@nself/realtime-client/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { formatTyping, type RealtimeClient } from './index'

const flush = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve()
}
const typists = (c: RealtimeClient, room: string) => c.getSnapshot().rooms[room]?.typing.map((t) => t.userId)
afterEach(() => {
  vi.useRealTimers()
})

describe('formatTyping', () => {
  it('names one, two or three typists and counts the rest', () => {
    expect(formatTyping([])).toBe('')
    expect(formatTyping(['Ann'])).toBe('Ann is typing…')
    expect(formatTyping(['Ann', 'Bo'])).toBe('Ann and Bo are typing…')
    expect(formatTyping(['Ann', 'Bo', 'Cy'])).toBe('Ann, Bo and Cy are typing…')
    expect(formatTyping(['Ann', 'Bo', 'Cy', 'Di', 'Ed'])).toBe('Ann, Bo and 3 others are typing…')
  })
})

describe('typing', () => {
  it('sends typing:start at most every 2 s while typing, typing:stop at once, and stops after idle input', async () => {
    vi.useFakeTimers()
    const c = createMockRealtimeClient()
    const release = c.connect()
    await c.joinRoom('r')
    for (let t = 0; t < 5_000; t += 100) {
      c.startTyping('r')
      vi.advanceTimersByTime(100)
    }
    expect(c.emittedOf('typing:start')).toEqual([{ roomName: 'r' }, { roomName: 'r' }, { roomName: 'r' }])
    c.stopTyping('r')
    c.stopTyping('r') // once only
    expect(c.emittedOf('typing:stop')).toEqual([{ roomName: 'r' }])
    // Nothing was started: nothing to stop.
    c.stopTyping('r', 'thread')
    expect(c.emittedOf('typing:stop')).toHaveLength(1)
    // A pause in typing stops it on its own.
    c.startTyping('r', 't1')
    vi.advanceTimersByTime(5_000)
    expect(c.emittedOf('typing:stop').at(-1)).toEqual({ roomName: 'r', threadId: 't1' })
    release()
    c.close()
  })

  it('expires typists locally after the timeout even when the server says nothing, and leaves self out', async () => {
    vi.useFakeTimers()
    const c = createMockRealtimeClient({ userId: 'me' })
    c.connect()
    await c.joinRoom('r')
    const at = new Date().toISOString()
    c.receive('typing:event', {
      roomName: 'r',
      users: [
        { userId: 'me', startedAt: at },
        { userId: 'ann', startedAt: at },
      ],
    })
    expect(typists(c, 'r')).toEqual(['ann'])
    vi.advanceTimersByTime(2_000)
    c.receive('typing:event', {
      roomName: 'r',
      users: [
        { userId: 'ann', startedAt: at },
        { userId: 'bo', startedAt: at },
      ],
    })
    vi.advanceTimersByTime(2_999)
    expect(typists(c, 'r')).toEqual(['ann', 'bo'])
    vi.advanceTimersByTime(1)
    expect(typists(c, 'r')).toEqual([])
    // Threads are kept apart.
    c.receive('typing:event', { roomName: 'r', threadId: 't', users: [{ userId: 'cy', startedAt: at }] })
    expect(c.getSnapshot().rooms.r?.typing).toEqual([{ userId: 'cy', threadId: 't' }])
    c.receive('typing:event', { roomName: 'r', users: [] })
    expect(c.getSnapshot().rooms.r?.typing).toEqual([{ userId: 'cy', threadId: 't' }])
    c.close()
  })
})

describe('messages', () => {
  it('shows each message once, by id and by (sender, clientMessageId)', async () => {
    const c = createMockRealtimeClient()
    c.connect()
    await c.joinRoom('r')
    const seen: string[] = []
    c.on('message:new', (m) => seen.push(m.content))
    const base = { roomName: 'r', userId: 'ann', timestamp: new Date().toISOString() }
    c.receive('message:new', { ...base, id: '1', content: 'a' })
    c.receive('message:new', { ...base, id: '1', content: 'a' })
    c.receive('message:new', { ...base, id: '2', content: 'b', clientMessageId: 'x' })
    // The same message from a restarted server: a new id, the same clientMessageId.
    c.receive('message:new', { ...base, id: '3', content: 'b', clientMessageId: 'x' })
    // Another sender may reuse a clientMessageId.
    c.receive('message:new', { ...base, userId: 'bo', id: '4', content: 'c', clientMessageId: 'x' })
    expect(seen).toEqual(['a', 'b', 'c'])
    expect(c.getSnapshot().rooms.r?.messages.map((m) => m.id)).toEqual(['1', '2', '4'])
    c.close()
  })

  it('still recognises a recent message after many others (the de-duplication memory rolls over)', async () => {
    const c = createMockRealtimeClient({ maxMessages: 5 })
    c.connect()
    await c.joinRoom('r')
    let seen = 0
    c.on('message:new', () => seen++)
    const base = { roomName: 'r', userId: 'ann', content: 'x', timestamp: new Date().toISOString() }
    for (let i = 0; i < 25_000; i++)
      c.receive('message:new', { ...base, id: `${i}`, clientMessageId: `c${i}` })
    expect(seen).toBe(25_000)
    // Resends of the room's last 2,000 are still caught, whichever generation holds them.
    for (let i = 25_000 - 2_000; i < 25_000; i += 250)
      c.receive('message:new', { ...base, id: `again-${i}`, clientMessageId: `c${i}` })
    expect(seen).toBe(25_000)
    c.close()
  })

  it('pipelines sends; after RATE_LIMITED it waits as told and sends one at a time, in order', async () => {
    vi.useFakeTimers()
    const c = createMockRealtimeClient({ echo: false })
    c.connect()
    await c.joinRoom('r')
    let limited = 2
    c.respond('message:send', (p) =>
      limited-- > 0
        ? {
            success: false,
            error: { code: 'RATE_LIMITED', message: 'slow down', details: { retryAfterMs: 500 } },
          }
        : { success: true, data: { id: p.content, timestamp: new Date().toISOString() } },
    )
    const sends = ['a', 'b', 'c'].map((t) => c.send('r', t))
    const contents = () => c.emittedOf('message:send').map((p) => p.content)
    expect(contents()).toEqual(['a', 'b', 'c'])
    await vi.advanceTimersByTimeAsync(499)
    expect(contents()).toEqual(['a', 'b', 'c'])
    await vi.advanceTimersByTimeAsync(1)
    // 'a' and 'b' were refused: again, in order, one at a time ('c' was accepted in between
    // here only because the mock answers out of the server's order).
    expect(contents().slice(3)).toEqual(['a', 'b'])
    await expect(Promise.all(sends)).resolves.toHaveLength(3)
    c.close()
  })

  it('one at a time with maxInFlight 1; a lost ack is sent again with the same clientMessageId', async () => {
    vi.useFakeTimers()
    const c = createMockRealtimeClient({ ackTimeoutMs: 1_000, echo: false, outbox: { maxInFlight: 1 } })
    c.connect()
    await c.joinRoom('r')
    let drop = true
    const original = { id: 'first', timestamp: new Date().toISOString() }
    c.respond('message:send', () => {
      if (drop) {
        drop = false
        return undefined // the ack never comes
      }
      return { success: true, data: original }
    })
    const a = c.send('r', 'one')
    const b = c.send('r', 'two')
    await flush()
    expect(c.emittedOf('message:send').map((p) => p.content)).toEqual(['one'])
    expect(c.getSnapshot().outbox.size).toBe(2)
    // The mock link has no ack timeout of its own; the socket's would fire: simulate the drop.
    c.disconnect()
    c.connectNow()
    await flush(20)
    const sends = c.emittedOf('message:send')
    expect(sends.map((p) => p.content)).toEqual(['one', 'one', 'two'])
    expect(sends[0]?.clientMessageId).toBe(sends[1]?.clientMessageId)
    await expect(a).resolves.toMatchObject({ content: 'one', id: 'first', status: 'sent' })
    await expect(b).resolves.toMatchObject({ content: 'two' })
    expect(c.getSnapshot().outbox).toMatchObject({ size: 0, oldestAt: null })
    c.close()
  })

  it('fails a refused message on its promise and in the room, and goes on with the next', async () => {
    const c = createMockRealtimeClient({ echo: false })
    c.connect()
    await c.joinRoom('r')
    c.respond('message:send', (p) =>
      p.content === 'bad'
        ? { success: false, error: { code: 'VALIDATION_FAILED', message: 'no' } }
        : { success: true, data: { id: p.content, timestamp: new Date().toISOString() } },
    )
    const bad = c.send('r', 'bad')
    const good = c.send('r', 'good')
    await expect(bad).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    await expect(good).resolves.toMatchObject({ id: 'good' })
    expect(c.getSnapshot().rooms.r?.messages.map((m) => [m.content, m.status])).toEqual([
      ['bad', 'failed'],
      ['good', 'sent'],
    ])
    c.close()
  })
})

describe('presence', () => {
  it('sends dnd as busy with the custom status expiry, reads busy as dnd, and clears the status locally at expiry', async () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    const c = createMockRealtimeClient()
    c.connect()
    c.setPresence('dnd', { text: 'Focus', emoji: '🎧', expiresAt: new Date('2026-01-01T00:30:00Z') })
    expect(c.emittedOf('presence:update')).toEqual([
      { status: 'busy', customStatus: { text: 'Focus', emoji: '🎧', expiresAt: '2026-01-01T00:30:00.000Z' } },
    ])
    c.setUserPresence('ann', 'busy', { text: 'Out' })
    expect(c.getSnapshot().presence.ann).toEqual({
      userId: 'ann',
      status: 'dnd',
      customStatus: 'Out',
      customEmoji: null,
    })
    vi.advanceTimersByTime(30 * 60_000)
    expect(c.getSnapshot().self).toEqual({ status: 'dnd', customStatus: null })
    c.close()
  })

  it('keeps an unchanged user’s entry (same object) when others change', () => {
    const c = createMockRealtimeClient()
    c.connect()
    c.setUserPresence('ann', 'online')
    c.setUserPresence('bo', 'online')
    const ann = c.getSnapshot().presence.ann
    c.setUserPresence('bo', 'away')
    c.setUserPresence('ann', 'online')
    expect(c.getSnapshot().presence.ann).toBe(ann)
    c.close()
  })
})

describe('lifecycle', () => {
  it('connects on first use, stays through an unsubscribe/subscribe in one tick, and closes after the last user', async () => {
    vi.useFakeTimers()
    const c = createMockRealtimeClient()
    expect(c.isOpen).toBe(false)
    const off1 = c.subscribe(() => {})
    expect(c.isOpen).toBe(true)
    off1()
    const off2 = c.subscribe(() => {}) // StrictMode's remount
    vi.runAllTimers()
    expect(c.isOpen).toBe(true)
    expect(c.connects).toBe(1)
    off2()
    vi.runAllTimers()
    expect(c.isOpen).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('remembers rooms, status and watched users asked for before connecting, and replays them after every reconnect', async () => {
    const c = createMockRealtimeClient({ autoConnect: false })
    const joined = c.joinRoom('r')
    c.setPresence('away')
    const unwatch = c.watchPresence(['ann', 'bo'])
    await flush()
    expect(c.emitted).toEqual([])
    c.connectNow()
    await joined
    await flush()
    const names = () => c.emitted.map((e) => e.event)
    expect(names()).toEqual(['presence:update', 'room:join', 'presence:get'])
    c.disconnect()
    c.connectNow()
    await flush()
    expect(names()).toEqual([
      'presence:update',
      'room:join',
      'presence:get',
      'presence:update',
      'room:join',
      'presence:get',
    ])
    expect(c.emittedOf('presence:get').at(-1)).toEqual({ userIds: ['ann', 'bo'] })
    unwatch()
    c.close()
  })

  it('close() rejects what is pending with ABORTED; request() honours its signal and deadline', async () => {
    vi.useFakeTimers()
    const c = createMockRealtimeClient({ autoConnect: false })
    const sent = c.send('r', 'x')
    const asked = c.getPresence(['ann'])
    const controller = new AbortController()
    const aborted = c.request('presence:get', { userIds: [] }, { signal: controller.signal })
    const late = c.request('presence:get', { userIds: [] }, { timeoutMs: 500 })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' })
    vi.advanceTimersByTime(500)
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT' })
    c.close()
    await expect(sent).rejects.toMatchObject({ code: 'ABORTED' })
    await expect(asked).rejects.toMatchObject({ code: 'ABORTED' })
    expect(c.isOpen).toBe(false)
  })
})

describe('tokenUserId', () => {
  it('reads a UTF-8 userId claim from a base64url JWT payload', async () => {
    const { tokenUserId } = await import('./link')
    const payload = Buffer.from(JSON.stringify({ userId: 'zoë-日本', sessionId: 's' })).toString('base64url')
    expect(tokenUserId(`h.${payload}.sig`)).toBe('zoë-日本')
    expect(tokenUserId('not-a-jwt')).toBeNull()
  })
})

describe('replay on re-join', () => {
  const message = (id: string, at: number) => ({
    roomName: 'r',
    userId: 'ann',
    content: id,
    id,
    timestamp: new Date(at).toISOString(),
  })

  it('asks for what came since its cursor; the replay lands before live messages that raced it, each once', async () => {
    const c = createMockRealtimeClient({ userId: 'me' })
    c.connect()
    await c.joinRoom('r')
    expect(c.emittedOf('room:join')).toEqual([{ roomName: 'r' }])
    const seen: string[] = []
    c.on('message:new', (m) => seen.push(m.content))
    const t = Date.now() + 60_000
    c.receive('message:new', message('m1', t))
    c.disconnect()
    let answer: (ack: Ack<unknown>) => void = () => {}
    c.respond('room:join', () => new Promise((resolve) => (answer = resolve)))
    c.connectNow()
    await flush()
    // Its cursor is m1's stamp; it asks from a margin before it (repeats are dropped).
    expect(c.emittedOf('room:join').at(-1)).toEqual({
      roomName: 'r',
      since: new Date(t - 5_000).toISOString(),
    })
    c.receive('message:new', message('m3', t + 2))
    expect(seen).toEqual(['m1'])
    answer({
      success: true,
      data: {
        roomName: 'r',
        memberCount: 1,
        serverTime: new Date(t + 3).toISOString(),
        messages: [message('m1', t), message('m2', t + 1), message('m3', t + 2)],
      },
    })
    await flush()
    expect(seen).toEqual(['m1', 'm2', 'm3'])
    expect(c.getSnapshot().rooms.r?.messages.map((m) => m.content)).toEqual(['m1', 'm2', 'm3'])
    c.close()
  })

  it('never asks for messages from before its first join', async () => {
    const c = createMockRealtimeClient({ userId: 'me' })
    c.connect()
    await c.joinRoom('r')
    c.disconnect()
    c.connectNow()
    await flush()
    const { since } = c.emittedOf('room:join').at(-1) as { since: string }
    // No message seen: the cursor is the first join's server time, the floor too.
    expect(Date.now() - Date.parse(since)).toBeLessThan(1_000)
    c.close()
  })
})
