import { createTabCoordinator, NselfError, randomId, resolveBaseUrl } from '@nself/client-core'
import { type AckCallback, initialConnection, type Link, type LinkFactory, socketLink } from './link'
import type { ConnectionState } from './types'

/** An error as it crosses a BroadcastChannel (structured clone drops the class). */
type WireError = { code: NselfError['code']; message: string; retryable: boolean } | null
type WireState = Omit<ConnectionState, 'lastError'> & { lastError: WireError }

/**
 * The messages between tabs. Followers send `e` (emit), `h` (hello) and `b` (bye); the leader
 * sends `s` (its connection state), `v` (a server event) and `a` (an ack, to one tab); any tab
 * sends `p` (the user is active here) and `r` (reconnect now).
 */
type TabMessage =
  | { k: 'e'; f: string; i: number; e: string; p: unknown; a: boolean }
  | { k: 'h' }
  | { k: 'b'; f: string }
  | { k: 's'; s: WireState }
  | { k: 'v'; e: string; p: unknown }
  | { k: 'a'; t: string; i: number; x: WireError; r?: unknown }
  | { k: 'p' }
  | { k: 'r' }

const toWire = (e: NselfError | null): WireError =>
  e && { code: e.code, message: e.message, retryable: e.retryable }
const fromWire = (e: WireError) => e && new NselfError(e.code, e.message, { retryable: e.retryable })

/**
 * One socket per browser origin (and URL and user): the tab holding the Web Lock keeps the
 * socket, the others relay their emits and acks and receive its events over a BroadcastChannel.
 * When the leader closes, the next tab takes the lock, connects, and every tab replays its
 * rooms and outbox on the new connection. Without Web Locks or BroadcastChannel, or with
 * `tabSharing: false`, every tab has its own socket.
 */
export const tabLink: LinkFactory = (h, o) => {
  const shared = typeof o.tabSharing === 'object' ? o.tabSharing : {}
  const tab = randomId()
  const acks = new Map<number, AckCallback>()
  const rooms = new Map<string, Set<string>>() // leader: room → tabs that joined it
  let coord: ReturnType<typeof createTabCoordinator<TabMessage>> | undefined
  let direct: Link | undefined
  let unsubscribe = () => {}
  let state = initialConnection(o.userId)
  let seq = 0

  const tell = (s: ConnectionState) => {
    state = s
    h.state(s)
  }
  const failAcks = () => {
    const list = [...acks.values()]
    acks.clear()
    for (const cb of list) cb(new NselfError('NETWORK_ERROR', 'Connection lost', { retryable: true }))
  }

  function lead() {
    tell({ ...state, status: 'connecting', socketId: null })
    failAcks()
    direct = socketLink(
      {
        state(s) {
          state = s
          if (s.status !== 'connected') rooms.clear() // every tab re-joins on the next connection
          h.state(s)
          // Followers never see `idle`: another tab is about to take over.
          coord?.post({
            k: 's',
            s: {
              ...s,
              status: s.status === 'idle' ? 'reconnecting' : s.status,
              lastError: toWire(s.lastError),
            },
          })
        },
        event(e, p) {
          h.event(e, p)
          coord?.post({ k: 'v', e, p })
        },
      },
      o,
    )
    direct.open()
  }

  /** Leader: sends a tab's emit, keeping rooms joined while any tab wants them. */
  function serve(
    from: string,
    event: string,
    payload: unknown,
    ack?: AckCallback,
    timeoutMs = o.ackTimeoutMs,
  ) {
    const roomName = (payload as { roomName?: string })?.roomName ?? ''
    const tabs = rooms.get(roomName) ?? new Set()
    if (event === 'room:join') rooms.set(roomName, tabs.add(from))
    if (event === 'room:leave') {
      tabs.delete(from)
      if (tabs.size) return ack?.(null, { success: true })
      rooms.delete(roomName)
    }
    direct?.emit(event, payload, ack, timeoutMs)
  }

  function onMessage(m: TabMessage) {
    if (m.k === 'p') return h.peer?.(1)
    if (direct) {
      if (m.k === 'r') direct.reconnect()
      if (m.k === 'e')
        serve(
          m.f,
          m.e,
          m.p,
          m.a ? (error, r) => coord?.post({ k: 'a', t: m.f, i: m.i, x: toWire(error), r }) : undefined,
        )
      if (m.k === 'h') coord?.post({ k: 's', s: { ...state, lastError: toWire(state.lastError) } })
      if (m.k === 'b')
        for (const [roomName, tabs] of rooms)
          if (tabs.has(m.f) && tabs.size === 1) serve(m.f, 'room:leave', { roomName }, () => {})
          else tabs.delete(m.f)
      return
    }
    if (m.k === 's') {
      state = { ...m.s, userId: m.s.userId ?? o.userId ?? null, lastError: fromWire(m.s.lastError) }
      // The core learns first, so what the failures retry waits for the next connection.
      h.state(state)
      if (state.status !== 'connected') failAcks()
    }
    if (m.k === 'v') h.event(m.e, m.p)
    if (m.k === 'a' && m.t === tab) {
      const cb = acks.get(m.i)
      acks.delete(m.i)
      cb?.(fromWire(m.x), m.r)
    }
  }

  return {
    open() {
      if (coord || direct) return
      let url = ''
      try {
        url = resolveBaseUrl('realtime', o.url)
      } catch {}
      const c = createTabCoordinator<TabMessage>({
        name: shared.name ?? `nself-realtime:${url}:${o.userId ?? ''}`,
        ...(shared.locks && { locks: shared.locks }),
        ...(shared.BroadcastChannel && { BroadcastChannel: shared.BroadcastChannel }),
      })
      if (!c.getSnapshot().shared) {
        c.close()
        direct = socketLink(h, o)
        return direct.open()
      }
      coord = c
      c.onMessage(onMessage)
      const check = () => c.getSnapshot().isLeader && !direct && lead()
      unsubscribe = c.subscribe(check)
      tell({ ...state, status: 'connecting' })
      c.post({ k: 'h' })
      check()
    },
    close() {
      unsubscribe()
      coord?.post({ k: 'b', f: tab })
      direct?.close()
      coord?.close()
      coord = direct = undefined
      rooms.clear()
      tell(initialConnection(state.userId))
      failAcks()
    },
    reconnect() {
      if (direct) direct.reconnect()
      else coord?.post({ k: 'r' })
    },
    emit(event, payload, ack, timeoutMs = o.ackTimeoutMs ?? 10_000) {
      if (direct) return serve(tab, event, payload, ack, timeoutMs)
      const i = ++seq
      if (ack) {
        const timer = setTimeout(
          () => acks.get(i)?.(new NselfError('TIMEOUT', `No ack for ${event}`)),
          timeoutMs,
        )
        acks.set(i, (error, r) => {
          clearTimeout(timer)
          acks.delete(i)
          ack(error, r)
        })
      }
      coord?.post({ k: 'e', f: tab, i, e: event, p: payload, a: !!ack })
    },
    peer: () => coord?.post({ k: 'p' }),
  }
}
