import type { TokenRequest } from '@nself/client-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, harness, sleep, until } from '../test/harness.test'
import { createCallSession, type RealtimeClient } from './index'

let h: Harness
let room = 0
/** A fresh room name per test, so tests never see each other's members. */
const fresh = () => `room-${++room}`
const statusOf = (c: RealtimeClient) => c.getSnapshot().connection.status
const connected = (...cs: RealtimeClient[]) =>
  until(() => cs.every((c) => statusOf(c) === 'connected'), 5_000, 'connected')

beforeAll(async () => {
  h = await harness()
})
afterAll(() => h.close())

describe('connection', () => {
  it('opens one socket on first use, closes it after the last user, and reads the token each time', async () => {
    const requests: TokenRequest[] = []
    const c = h.client('conn-user', {
      getToken: (r) => {
        requests.push(r)
        return h.stubs.token('conn-user')
      },
    })
    const off1 = c.subscribe(() => {})
    const off2 = c.on('pong', () => {})
    await connected(c)
    expect(h.server().state.userSockets.get('conn-user')?.size).toBe(1)
    expect(requests).toHaveLength(1)
    expect(c.getSnapshot().connection).toMatchObject({ status: 'connected', attempt: 0, userId: 'conn-user' })

    c.reconnect()
    await until(() => requests.length === 2 && statusOf(c) === 'connected')

    off1()
    off2()
    c.release()
    await until(() => !h.server().state.userSockets.has('conn-user'), 2_000, 'socket closed')
    expect(statusOf(c)).toBe('idle')
    // Used again: connects again.
    const release = c.connect()
    await connected(c)
    release()
  })

  it('goes reconnecting with attempt and nextRetryAt while the server is down, then connected again', async () => {
    const c = h.client('rc-user')
    await connected(c)
    const seen: Array<{ status: string; attempt: number; nextRetryAt: number | null }> = []
    const off = c.subscribe(() => {
      const { status, attempt, nextRetryAt } = c.getSnapshot().connection
      seen.push({ status, attempt, nextRetryAt })
    })
    await h.restart(400)
    await connected(c)
    off()
    expect(seen.some((s) => s.status === 'reconnecting' && s.attempt >= 1)).toBe(true)
    expect(seen.some((s) => s.status === 'reconnecting' && typeof s.nextRetryAt === 'number')).toBe(true)
    expect(c.getSnapshot().connection.lastError).toBeNull()
  })

  it('goes offline with the browser, and reconnects at once when it is back or the page shows again', async () => {
    // The browser's window, navigator and document, as far as the client uses them.
    const win = new EventTarget()
    const nav = { onLine: true }
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' })
    const g = globalThis as Record<string, unknown>
    const saved = ['addEventListener', 'removeEventListener', 'navigator', 'document'].map((k) => [
      k,
      Object.getOwnPropertyDescriptor(g, k),
    ])
    Object.defineProperties(g, {
      addEventListener: { value: win.addEventListener.bind(win), configurable: true, writable: true },
      removeEventListener: { value: win.removeEventListener.bind(win), configurable: true, writable: true },
      navigator: { value: nav, configurable: true, writable: true },
      document: { value: doc, configurable: true, writable: true },
    })
    try {
      // Socket.IO alone would wait 2.5–7.5 s before each attempt.
      const c = h.client('net-user', { socket: { reconnectionDelay: 5_000, reconnectionDelayMax: 5_000 } })
      await connected(c)
      nav.onLine = false
      win.dispatchEvent(new Event('offline'))
      expect(statusOf(c)).toBe('offline')
      await until(() => !h.server().state.userSockets.has('net-user'))
      nav.onLine = true
      let t = Date.now()
      win.dispatchEvent(new Event('online'))
      await connected(c)
      expect(Date.now() - t).toBeLessThan(2_000)

      h.drop('net-user')
      await until(() => statusOf(c) === 'reconnecting' && c.getSnapshot().connection.nextRetryAt !== null)
      t = Date.now()
      doc.dispatchEvent(new Event('visibilitychange'))
      await connected(c)
      expect(Date.now() - t).toBeLessThan(2_000)
      c.close()
    } finally {
      for (const [k, d] of saved) {
        if (d) Object.defineProperty(g, k as string, d as PropertyDescriptor)
        else delete g[k as string]
      }
    }
  })

  it('reports a missing token, a forged token and (after one refresh) an expired one', async () => {
    const none = h.client('x', { getToken: () => null })
    const forged = h.client('x', { getToken: () => `${h.stubs.token('x').slice(0, -4)}AAAA` })
    await until(() => statusOf(none) === 'error' && statusOf(forged) === 'error')
    expect(none.getSnapshot().connection.lastError).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Authentication required',
    })
    expect(forged.getSnapshot().connection.lastError).toMatchObject({
      code: 'INVALID_TOKEN',
      message: 'Invalid token',
    })

    const asked: boolean[] = []
    const expiring = h.client('exp-user', {
      getToken: ({ forceRefresh }) => {
        asked.push(forceRefresh)
        return h.stubs.token('exp-user', forceRefresh ? {} : { expiresIn: -10 })
      },
    })
    await connected(expiring)
    expect(asked).toEqual([false, true])
  })
})

describe('rooms', () => {
  it('room:join acks members with presence; user:joined, room:leave and user:left reach the others', async () => {
    const name = fresh()
    const alice = h.client('alice')
    const bob = h.client('bob')
    const joined: unknown[] = []
    const left: unknown[] = []
    alice.on('user:joined', (p) => joined.push(p))
    alice.on('user:left', (p) => left.push(p))
    const ack = await alice.joinRoom(name)
    expect(ack).toMatchObject({ roomName: name, memberCount: 1 })
    expect(ack.members?.map((m) => m.userId)).toEqual(['alice'])
    await bob.joinRoom(name)
    await until(() => joined.length === 1)
    expect(joined[0]).toEqual({ roomName: name, userId: 'bob' })
    expect(alice.getSnapshot().rooms[name]).toMatchObject({
      status: 'joined',
      members: ['alice', 'bob'],
      memberCount: 2,
    })
    expect(bob.getSnapshot().presence.alice?.status).toBe('online')

    await bob.leaveRoom(name)
    await until(() => left.length === 1)
    expect(left[0]).toEqual({ roomName: name, userId: 'bob' })
    expect(alice.getSnapshot().rooms[name]?.members).toEqual(['alice'])
    expect(bob.getSnapshot().rooms[name]).toBeUndefined()
  })

  it('joins requested before the first connect, counts joins, and refuses a private room with ROOM_FORBIDDEN', async () => {
    const name = fresh()
    const res = await fetch(`${h.url}/v1/rooms/${name}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${h.stubs.token('svc', { role: 'service' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ private: true, members: ['member'] }),
    })
    expect(res.status).toBe(200)
    const member = h.client('member')
    const outsider = h.client('outsider')
    // Asked before connecting: sent once connected.
    expect(statusOf(member)).not.toBe('connected')
    await expect(member.joinRoom(name)).resolves.toMatchObject({ roomName: name })
    await expect(outsider.joinRoom(name)).rejects.toMatchObject({ code: 'ROOM_FORBIDDEN' })
    expect(outsider.getSnapshot().rooms[name]).toMatchObject({
      status: 'error',
      error: { code: 'ROOM_FORBIDDEN' },
    })
    await expect(outsider.send(name, 'let me in')).rejects.toMatchObject({ code: 'ROOM_FORBIDDEN' })

    // Two joins need two leaves.
    await member.joinRoom(name)
    await member.leaveRoom(name)
    expect(member.getSnapshot().rooms[name]?.status).toBe('joined')
    await member.leaveRoom(name)
    expect(member.getSnapshot().rooms[name]).toBeUndefined()
  })
})

describe('messages', () => {
  it('message:send acks { id, timestamp }; message:new reaches the room once, with clientMessageId', async () => {
    const name = fresh()
    const alice = h.client('alice')
    const bob = h.client('bob')
    await Promise.all([alice.joinRoom(name), bob.joinRoom(name)])
    const got: unknown[] = []
    bob.on('message:new', (m) => got.push(m))
    const sent = await alice.send(name, 'hi', { threadId: 't1', metadata: { kind: 'text' } })
    expect(sent).toMatchObject({
      roomName: name,
      userId: 'alice',
      content: 'hi',
      status: 'sent',
      threadId: 't1',
    })
    expect(sent.id).toMatch(/\S/)
    await until(() => got.length === 1)
    expect(got[0]).toMatchObject({
      id: sent.id,
      clientMessageId: sent.clientMessageId,
      metadata: { kind: 'text' },
      threadId: 't1',
    })
    await until(() => alice.getSnapshot().rooms[name]?.messages[0]?.status === 'sent')
    expect(alice.getSnapshot().rooms[name]?.messages).toHaveLength(1)
    expect(bob.getSnapshot().rooms[name]?.messages.map((m) => m.content)).toEqual(['hi'])
  })

  it('a resend with the same clientMessageId gets the first ack and is delivered once', async () => {
    const name = fresh()
    const alice = h.client('alice')
    const bob = h.client('bob')
    await Promise.all([alice.joinRoom(name), bob.joinRoom(name)])
    const payload = { roomName: name, content: 'once', clientMessageId: 'cm-1' }
    const first = await alice.request('message:send', payload)
    const second = await alice.request('message:send', payload)
    expect(second).toEqual(first)
    await sleep(100)
    expect(bob.getSnapshot().rooms[name]?.messages.map((m) => m.id)).toEqual([first.id])
  })

  it('holds messages sent while disconnected in the outbox and flushes them in order, once', async () => {
    const name = fresh()
    const alice = h.client('ob-alice')
    const bob = h.client('ob-bob')
    await Promise.all([alice.joinRoom(name), bob.joinRoom(name)])
    h.drop('ob-alice')
    await until(() => statusOf(alice) !== 'connected')
    const sends = ['a', 'b', 'c'].map((t) => alice.send(name, t))
    const { outbox } = alice.getSnapshot()
    expect(outbox.size).toBe(3)
    expect(outbox.oldestAt).toBeLessThanOrEqual(Date.now())
    expect(alice.getSnapshot().rooms[name]?.messages.map((m) => m.status)).toEqual([
      'pending',
      'pending',
      'pending',
    ])
    const acked = await Promise.all(sends)
    expect(acked.map((m) => m.content)).toEqual(['a', 'b', 'c'])
    expect(alice.getSnapshot().outbox.size).toBe(0)
    await until(() => bob.getSnapshot().rooms[name]?.messages.length === 3)
    expect(bob.getSnapshot().rooms[name]?.messages.map((m) => m.content)).toEqual(['a', 'b', 'c'])
  })

  /** A client whose reconnects wait until `open()`: it re-joins only when the test says. */
  function lateClient(userId: string) {
    let gate = Promise.resolve()
    let open = () => {}
    const client = h.client(userId, {
      getToken: async () => {
        await gate
        return h.stubs.token(userId)
      },
    })
    return {
      client,
      hold() {
        gate = new Promise((resolve) => {
          open = resolve
        })
      },
      open: () => open(),
    }
  }
  const contents = (c: RealtimeClient, name: string) =>
    c.getSnapshot().rooms[name]?.messages.map((m) => m.content)

  it('a member who re-joins after a server restart gets what others sent meanwhile, once, in order', async () => {
    const name = fresh()
    const alice = h.client('rp-alice')
    const bob = lateClient('rp-bob')
    await Promise.all([alice.joinRoom(name), bob.client.joinRoom(name)])
    await alice.send(name, 'before')
    await until(() => contents(bob.client, name)?.length === 1)
    bob.hold()
    await h.restart(100)
    // Alice is back first: her outbox goes out while bob is still away from the new server.
    const acked = await Promise.all(['x', 'y', 'z'].map((t) => alice.send(name, t)))
    expect(statusOf(bob.client)).not.toBe('connected')
    bob.open()
    await until(() => contents(bob.client, name)?.length === 4, 5_000, 'replayed')
    expect(contents(bob.client, name)).toEqual(['before', 'x', 'y', 'z'])
    expect(
      bob.client
        .getSnapshot()
        .rooms[name]?.messages.slice(1)
        .map((m) => m.id),
    ).toEqual(acked.map((m) => m.id))
    await sleep(100)
    expect(contents(bob.client, name)).toHaveLength(4)
  })

  it('a re-join replays only what came after this client first joined, and live messages wait for it', async () => {
    const name = fresh()
    const alice = h.client('rp2-alice')
    await alice.joinRoom(name)
    await alice.send(name, 'history')
    const carol = lateClient('rp2-carol')
    await carol.client.joinRoom(name)
    await alice.send(name, 'hello')
    await until(() => contents(carol.client, name)?.length === 1)
    carol.hold()
    // A reconnect the client asks for: the server keeps no session to recover, so she re-joins.
    carol.client.reconnect()
    await until(() => statusOf(carol.client) !== 'connected')
    await alice.send(name, 'missed-1')
    await alice.send(name, 'missed-2')
    carol.open()
    // Sent as carol comes back: live or replayed, it lands after the two she missed, once.
    const racing = until(() => statusOf(carol.client) === 'connected', 5_000).then(() =>
      alice.send(name, 'live'),
    )
    await racing
    await until(() => contents(carol.client, name)?.length === 4, 5_000, 'caught up')
    expect(contents(carol.client, name)).toEqual(['hello', 'missed-1', 'missed-2', 'live'])
    await sleep(100)
    expect(contents(carol.client, name)).toHaveLength(4)
  })

  it('refuses past maxSize with OUTBOX_FULL and gives up after maxAgeMs with MESSAGE_EXPIRED, in state too', async () => {
    const name = fresh()
    const alice = h.client('alice', { outbox: { maxSize: 2, maxAgeMs: 300 } })
    await alice.joinRoom(name)
    await h.server().close()
    await until(() => statusOf(alice) !== 'connected')
    const a = alice.send(name, '1')
    const b = alice.send(name, '2')
    await expect(alice.send(name, '3')).rejects.toMatchObject({ code: 'OUTBOX_FULL' })
    expect(alice.getSnapshot().outbox).toMatchObject({ size: 2, lastError: { code: 'OUTBOX_FULL' } })
    await expect(a).rejects.toMatchObject({ code: 'MESSAGE_EXPIRED' })
    await expect(b).rejects.toMatchObject({ code: 'MESSAGE_EXPIRED' })
    expect(alice.getSnapshot().outbox).toMatchObject({ size: 0, lastError: { code: 'MESSAGE_EXPIRED' } })
    expect(
      alice.getSnapshot().rooms[name]?.messages.map((m) => [m.content, m.status, m.error?.code]),
    ).toEqual([
      ['1', 'failed', 'MESSAGE_EXPIRED'],
      ['2', 'failed', 'MESSAGE_EXPIRED'],
      ['3', 'failed', 'OUTBOX_FULL'],
    ])
    await h.restart()
  })
})

describe('typing', () => {
  it('typing:start / typing:stop reach the others as typing:event; self is excluded; send stops typing', async () => {
    const name = fresh()
    const alice = h.client('alice')
    const alice2 = h.client('alice') // another socket of the same user
    const bob = h.client('bob')
    await Promise.all([alice.joinRoom(name), alice2.joinRoom(name), bob.joinRoom(name)])
    const events: unknown[] = []
    bob.on('typing:event', (e) => events.push(e))
    alice.startTyping(name)
    await until(() => bob.getSnapshot().rooms[name]?.typing.length === 1)
    expect(bob.getSnapshot().rooms[name]?.typing).toEqual([{ userId: 'alice' }])
    expect(events[0]).toMatchObject({ roomName: name, users: [{ userId: 'alice' }] })
    // alice's other socket hears it too, and leaves herself out.
    await sleep(50)
    expect(alice2.getSnapshot().rooms[name]?.typing).toEqual([])
    alice.stopTyping(name)
    await until(() => bob.getSnapshot().rooms[name]?.typing.length === 0)

    alice.startTyping(name, 'thread-1')
    await until(() => bob.getSnapshot().rooms[name]?.typing.length === 1)
    expect(bob.getSnapshot().rooms[name]?.typing).toEqual([{ userId: 'alice', threadId: 'thread-1' }])
    await alice.send(name, 'done', { threadId: 'thread-1' })
    await until(() => bob.getSnapshot().rooms[name]?.typing.length === 0)
  })

  it('keeps showing someone who types for longer than the typing timeout', async () => {
    const name = fresh()
    const alice = h.client('long-alice')
    const bob = h.client('long-bob')
    await Promise.all([alice.joinRoom(name), bob.joinRoom(name)])
    let shown = 0
    let gaps = 0
    for (let t = 0; t < 7_000; t += 100) {
      alice.startTyping(name) // a keystroke every 100 ms for 7 s
      await sleep(100)
      const typing = bob.getSnapshot().rooms[name]?.typing.length === 1
      if (typing) shown++
      else if (shown) gaps++
    }
    expect(shown).toBeGreaterThan(60)
    expect(gaps).toBe(0)
    alice.stopTyping(name)
    await until(() => bob.getSnapshot().rooms[name]?.typing.length === 0)
  })

  it('the join ack carries the current typists', async () => {
    const name = fresh()
    const alice = h.client('alice')
    await alice.joinRoom(name)
    alice.startTyping(name)
    await sleep(50)
    const carol = h.client('carol')
    const ack = await carol.joinRoom(name)
    expect(ack.typing?.[0]?.users.map((u) => u.userId)).toEqual(['alice'])
    expect(carol.getSnapshot().rooms[name]?.typing).toEqual([{ userId: 'alice' }])
  })
})

describe('presence', () => {
  it('presence:update (dnd as busy, custom status with expiry, invisible) reaches others as presence:changed', async () => {
    const alice = h.client('p-alice')
    const bob = h.client('p-bob')
    const off = bob.watchPresence(['p-alice'])
    await until(() => bob.getSnapshot().presence['p-alice']?.status === 'online')

    const wire: unknown[] = []
    bob.on('presence:changed', (p) => p.userId === 'p-alice' && wire.push(p))
    alice.setPresence('dnd', { text: 'In a meeting', emoji: '📅', expiresAt: Date.now() + 400 })
    await until(() => bob.getSnapshot().presence['p-alice']?.status === 'dnd')
    expect(wire[0]).toMatchObject({ status: 'busy', customStatus: 'In a meeting', customEmoji: '📅' })
    expect(bob.getSnapshot().presence['p-alice']).toEqual({
      userId: 'p-alice',
      status: 'dnd',
      customStatus: 'In a meeting',
      customEmoji: '📅',
    })
    // The server clears the custom status at its expiry.
    await until(
      () => bob.getSnapshot().presence['p-alice']?.customStatus === null,
      3_000,
      'custom status expiry',
    )
    expect(alice.getSnapshot().self.customStatus).toBeNull()

    alice.setPresence('invisible')
    await until(() => bob.getSnapshot().presence['p-alice']?.status === 'offline')
    await until(() => alice.getSnapshot().presence['p-alice']?.status === 'invisible')

    alice.setPresence('away')
    await until(() => bob.getSnapshot().presence['p-alice']?.status === 'away')
    off()
  })

  it('presence:get reads many users at once; a watched user is read again after a reconnect', async () => {
    const a = h.client('g-a')
    const b = h.client('g-b')
    await connected(a, b)
    const list = await b.getPresence(['g-a', 'g-b', 'g-nobody'])
    expect(list.map((p) => [p.userId, p.status])).toEqual([
      ['g-a', 'online'],
      ['g-b', 'online'],
      ['g-nobody', 'offline'],
    ])
    const off = b.watchPresence(['g-a'])
    // g-a goes away while b is disconnected: b misses the event and reads it after reconnecting.
    await h.server().close()
    await until(() => statusOf(b) !== 'connected')
    await h.restart()
    await connected(a, b)
    a.setPresence('away')
    await until(() => b.getSnapshot().presence['g-a']?.status === 'away')
    a.release()
    await until(() => b.getSnapshot().presence['g-a']?.status === 'offline')
    off()
  })
})

describe('calls and ping', () => {
  it('call:offer, call:answer, call:ice-candidate and call:hangup are relayed with fromUserId', async () => {
    const name = fresh()
    const alice = h.client('c-alice')
    const bob = h.client('c-bob')
    await Promise.all([alice.joinRoom(name), bob.joinRoom(name)])
    const atBob: Array<[string, unknown]> = []
    const atAlice: Array<[string, unknown]> = []
    for (const e of ['call:offer', 'call:ice-candidate', 'call:hangup'] as const)
      bob.on(e, (p) => atBob.push([e, p]))
    alice.on('call:answer', (p) => atAlice.push(['call:answer', p]))
    const base = { roomName: name, callId: 'call-1' }
    await alice.request('call:offer', { ...base, toUserId: 'c-bob', sdp: 'v=0 offer', media: 'video' })
    await bob.request('call:answer', { ...base, toUserId: 'c-alice', sdp: 'v=0 answer' })
    await alice.request('call:ice-candidate', {
      ...base,
      toUserId: 'c-bob',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    })
    await alice.request('call:hangup', { ...base, toUserId: 'c-bob', reason: 'hangup' })
    await until(() => atBob.length === 3 && atAlice.length === 1)
    expect(atBob[0]).toEqual([
      'call:offer',
      { ...base, fromUserId: 'c-alice', sdp: 'v=0 offer', media: 'video' },
    ])
    expect(atAlice[0]).toEqual(['call:answer', { ...base, fromUserId: 'c-bob', sdp: 'v=0 answer' }])
    expect(atBob[1]?.[1]).toMatchObject({ fromUserId: 'c-alice', candidate: { sdpMid: '0' } })
    expect(atBob[2]).toEqual(['call:hangup', { ...base, fromUserId: 'c-alice', reason: 'hangup' }])
    await expect(
      alice.request('call:offer', { ...base, toUserId: 'c-nobody', sdp: 'x' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('createCallSession runs a whole call between two users over the stub', async () => {
    const name = fresh()
    const alice = h.client('s-alice')
    const bob = h.client('s-bob')
    await Promise.all([alice.joinRoom(name), bob.joinRoom(name)])
    const pcs: FakePeerConnection[] = []
    const deps = {
      createPeerConnection: () => {
        const pc = new FakePeerConnection()
        pcs.push(pc)
        return pc as unknown as RTCPeerConnection
      },
      getUserMedia: async () => fakeStream(),
    }
    const caller = createCallSession(alice, name, deps)
    const callee = createCallSession(bob, name, deps)
    const offs = [caller.subscribe(() => {}), callee.subscribe(() => {})]
    await caller.call('s-bob', { media: 'video' })
    await until(() => callee.getSnapshot().status === 'ringing')
    expect(callee.getSnapshot()).toMatchObject({
      peerUserId: 's-alice',
      direction: 'incoming',
      media: 'video',
    })
    await callee.accept()
    await until(() => caller.getSnapshot().status === 'connecting')
    // ICE from both sides arrives and is added once descriptions are set.
    pcs[0]?.emitCandidate('candidate:a')
    pcs[1]?.emitCandidate('candidate:b')
    await until(() => (pcs[0]?.added.length ?? 0) === 1 && (pcs[1]?.added.length ?? 0) === 1)
    expect(pcs[1]?.remote?.sdp).toBe('offer-sdp')
    expect(pcs[0]?.remote?.sdp).toBe('answer-sdp')
    for (const pc of pcs) pc.connect()
    expect(caller.getSnapshot().status).toBe('connected')
    callee.hangup()
    await until(() => caller.getSnapshot().status === 'ended')
    expect(caller.getSnapshot().endReason).toBe('hangup')
    expect(pcs.every((pc) => pc.closed)).toBe(true)
    for (const off of offs) off()
  })

  it('ping gets a pong', async () => {
    const c = h.client('pinger')
    const ms = await c.ping()
    expect(ms).toBeGreaterThanOrEqual(0)
    expect(ms).toBeLessThan(1_000)
  })
})

describe('rate limit', () => {
  let limited: Harness
  beforeAll(async () => {
    limited = await harness({ REALTIME_RATE_LIMIT: '10' })
  })
  afterAll(() => limited.close())
  afterEach(() => sleep(0))

  it('RATE_LIMITED sends are retried after the server says, in order, none lost', async () => {
    const name = fresh()
    const alice = limited.client('alice')
    const bob = limited.client('bob')
    await Promise.all([alice.joinRoom(name), bob.joinRoom(name)])
    const texts = Array.from({ length: 25 }, (_, i) => `m${i}`)
    const acked = await Promise.all(texts.map((t) => alice.send(name, t)))
    expect(acked.map((m) => m.content)).toEqual(texts)
    await until(() => bob.getSnapshot().rooms[name]?.messages.length === texts.length, 10_000)
    expect(bob.getSnapshot().rooms[name]?.messages.map((m) => m.content)).toEqual(texts)
  })
})

// -- fake WebRTC -----------------------------------------------------------------------------
function fakeStream() {
  const track = { stop() {}, kind: 'audio' }
  return { getTracks: () => [track] } as unknown as MediaStream
}

class FakePeerConnection {
  remote: RTCSessionDescriptionInit | null = null
  local: RTCSessionDescriptionInit | null = null
  added: RTCIceCandidateInit[] = []
  closed = false
  connectionState = 'new'
  onicecandidate: ((e: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null = null
  ontrack: ((e: { streams: MediaStream[] }) => void) | null = null
  onconnectionstatechange: (() => void) | null = null
  get remoteDescription() {
    return this.remote
  }
  addTrack() {}
  async createOffer() {
    return { type: 'offer' as const, sdp: 'offer-sdp' }
  }
  async createAnswer() {
    return { type: 'answer' as const, sdp: 'answer-sdp' }
  }
  async setLocalDescription(d: RTCSessionDescriptionInit) {
    this.local = d
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit) {
    this.remote = d
  }
  async addIceCandidate(c: RTCIceCandidateInit) {
    this.added.push(c)
  }
  emitCandidate(candidate: string) {
    this.onicecandidate?.({ candidate: { toJSON: () => ({ candidate, sdpMid: '0', sdpMLineIndex: 0 }) } })
  }
  connect() {
    this.connectionState = 'connected'
    this.ontrack?.({ streams: [fakeStream()] })
    this.onconnectionstatechange?.()
  }
  close() {
    this.closed = true
  }
}
