import { createStore, type ErrorCode, NselfError, randomId } from '@nself/client-core'
import type {
  MessageNew,
  PresenceChanged,
  RoomJoinAckData,
  Typist as WireTypist,
} from '@nself/contracts/realtime'
import { serverEventSchemas } from '@nself/contracts/realtime'
import { type AckCallback, initialConnection, type Link, type LinkFactory, socketLink } from './link'
import { tabLink } from './tab-link'
import type {
  RealtimeClient as Client,
  ConnectionState,
  Message,
  Presence,
  PresenceStatus,
  RealtimeClientOptions,
  RealtimeState,
  RoomState,
  Typist,
} from './types'

type Timer = ReturnType<typeof setTimeout>
type Payload = { roomName: string; content: string; threadId?: string; metadata?: Record<string, unknown> }
type Entry = {
  cmid: string
  payload: Payload
  at: number
  busy?: boolean
  done: (e: NselfError | null, m?: Message) => void
}
type Deferred<T> = { p: Promise<T>; ok: (v: T) => void; ko: (e: NselfError) => void }
type JoinedRoom = {
  n: number
  join: Deferred<RoomJoinAckData>
  release: () => void
  /** Server time of the first join: nothing older was ever promised to this client. */
  floor?: string
  /**
   * Server time up to which this client has every message of the room. ISO strings from the
   * server's `toISOString`, so they compare as strings (no `Date.parse` per message).
   */
  cursor?: string
  /** `message:new` received while a re-join is in flight: delivered after its replay. */
  held?: MessageNew[]
}

/**
 * How far before its cursor a re-join asks the server to replay from. Messages are stamped
 * when received but can be broadcast out of stamp order (several instances, a slow store),
 * so the last stamp seen does not prove that every earlier one arrived; repeats are dropped.
 */
const REPLAY_MARGIN_MS = 5_000

/** A re-join's `since`: a margin before the room's cursor, never before the first join. */
function sinceOf(r: JoinedRoom): string | undefined {
  const at = Math.max(Date.parse(r.cursor ?? '') - REPLAY_MARGIN_MS, Date.parse(r.floor ?? '') || 0)
  return at > 0 ? new Date(at).toISOString() : undefined
}

/** Keys per de-dup generation; a key is remembered for at least this many newer ones. */
const GENERATION = 10_000

/** `dnd` on the SDK side is `busy` on the wire. */
export const toWireStatus = (s: PresenceStatus) => (s === 'dnd' ? 'busy' : s)

/** The SDK's view of a wire presence (`busy` → `dnd`, absent custom fields → `null`). */
export const fromWirePresence = (p: PresenceChanged): Presence => ({
  userId: p.userId,
  status: p.status === 'busy' ? 'dnd' : p.status,
  customStatus: p.customStatus ?? null,
  customEmoji: p.customEmoji ?? null,
})

const ackError = (res: unknown): NselfError | null => {
  const r = res as {
    success?: boolean
    error?: { code?: string; message?: string; details?: { retryAfterMs?: number } }
  }
  const details = r?.error?.details
  return r?.success
    ? null
    : new NselfError((r?.error?.code ?? 'INVALID_RESPONSE') as ErrorCode, r?.error?.message ?? 'Refused', {
        details,
        ...(details?.retryAfterMs !== undefined && { retryAfterMs: details.retryAfterMs }),
      })
}

const err = (code: ErrorCode, message: string, cause?: unknown) =>
  new NselfError(code, message, { retryable: code !== 'ABORTED', cause })

const deferred = <T>(): Deferred<T> => {
  const d = {} as Deferred<T>
  d.p = new Promise<T>((ok, ko) => Object.assign(d, { ok, ko }))
  d.p.catch(() => {})
  return d
}

const sameTypists = (a: readonly Typist[], b: readonly Typist[]) =>
  a.length === b.length && a.every((t, i) => t.userId === b[i]?.userId && t.threadId === b[i]?.threadId)

/** Creates a {@link RealtimeClient}. Touches no socket, timer or browser API until first used. */
export function createRealtimeClient(
  options: RealtimeClientOptions = {},
  /** @internal the transport (tests and `createMockRealtimeClient`) */
  factory?: LinkFactory,
): Client {
  const o = options
  // Read once: `process.env` is a slow getter in Node, and this is on every event's path.
  const schemas = process.env.NODE_ENV !== 'production' ? serverEventSchemas : undefined
  const ackMs = o.ackTimeoutMs ?? 10_000
  const maxAge = o.outbox?.maxAgeMs ?? 300_000
  const cap = Math.max(1, o.maxMessages ?? 100) // messages kept per room
  const maxSize = o.outbox?.maxSize ?? 100
  // Message lists change in place (`work`) and reach the snapshot at its next read, or at once
  // while anyone is subscribed: a burst costs one copy per read instead of one per message.
  const work = new Map<string, { base: readonly Message[]; list: Message[] }>()
  const changed = new Set<string>()
  let listening = false
  const store = createStore<RealtimeState>(
    {
      connection: initialConnection(o.userId),
      outbox: { size: 0, oldestAt: null, lastError: null },
      rooms: {},
      presence: {},
      self: { status: 'online', customStatus: null },
    },
    {
      onFirstSubscribe() {
        listening = true
        if (changed.size) sync()
      },
      onLastUnsubscribe() {
        listening = false
      },
    },
  )
  /** The state without the message lists' pending changes: for anything but `rooms`. */
  const peek = store.getSnapshot
  const get = () => {
    if (changed.size) sync()
    return peek()
  }
  const set = (patch: Partial<RealtimeState>) => store.setState((s) => ({ ...s, ...patch }))
  /** Replaces one room's state; `fn` returns what changes, or nothing. */
  const patchRoom = (name: string, fn: (r: RoomState) => Partial<RoomState> | undefined) => {
    const rooms = get().rooms
    const room = rooms[name]
    const patch = room && fn(room)
    if (patch) set({ rooms: { ...rooms, [name]: { ...room, ...patch } } })
  }
  const me = () => peek().connection.userId

  /** Writes the changed message lists into the snapshot (and tells the listeners). */
  function sync() {
    const s = peek()
    let next: Record<string, RoomState> | undefined
    for (const name of changed) {
      const room = s.rooms[name]
      const w = work.get(name)
      // A room left, or its list replaced through `set`, since: that state wins.
      if (!room || !w || room.messages !== w.base) continue
      next ??= { ...s.rooms }
      const messages = w.list.slice(Math.max(0, w.list.length - cap))
      w.base = messages
      next[name] = { ...room, messages }
    }
    changed.clear()
    if (next) store.setState({ ...s, rooms: next })
  }

  /** The room's message list to change in place (then call `touched`); none when not joined. */
  function listOf(name: string): Message[] | undefined {
    const room = peek().rooms[name]
    if (!room) return void work.delete(name)
    let w = work.get(name)
    if (w?.base !== room.messages) {
      w = { base: room.messages, list: room.messages.slice() }
      work.set(name, w)
    }
    return w.list
  }

  function touched(name: string) {
    changed.add(name)
    if (listening) sync()
  }

  /** Appends `m` to `list`: only its last `cap` count, the older ones are cut in bulk. */
  function append(list: Message[], m: Message) {
    list.push(m)
    // Not one `shift` per message: on a full list it costs more than the rest of a delivery.
    if (list.length >= 2 * cap) list.splice(0, list.length - cap)
  }

  let link: Link | undefined
  let refs = 0
  let epoch = 0
  let stopTimer: Timer | undefined
  let live: string | null = null // the socket the last replay ran for
  let ready = false // rooms re-joined on `live`: the outbox may flush
  let inFlight = 0
  let stalled = false
  let blockedUntil = 0
  const outbox: Entry[] = []
  let outboxTimer: Timer | undefined
  let idleFrom = 0 // no entry of `outbox` before this index is idle (all are in flight)
  // De-dup memory in two generations of `${sender}\n${clientMessageId}`, or message ids.
  let seen = new Set<string>()
  let seenBefore = new Set<string>()
  let slow = false // after a RATE_LIMITED: one message at a time until the outbox is empty
  const rooms = new Map<string, JoinedRoom>()
  const watched = new Map<string, number>()
  const changedAt = new Map<string, number>() // user → `events` at their last presence:changed
  let events = 0
  let fetched = new Set<string>()
  let watchQueued = false
  const handlers = new Map<string, Set<(payload: never) => void>>()
  const pending = new Set<(e: NselfError) => void>()
  const expiry = new Map<string, Map<string, number>>() // room → `${thread}\n${user}` → expires at
  let typingTimer: Timer | undefined
  const typingOut = new Map<string, { last: number; idle?: Timer }>()
  let statusTimer: Timer | undefined
  let autoAway = false
  let lastActive = 0
  let lastPeerPing = 0
  let idleTimer: Timer | undefined
  let idleOff: (() => void) | undefined

  // -- reference counting: the socket lives while anything holds a reference ----------------
  const hold = () => {
    const e = epoch
    let held = true
    clearTimeout(stopTimer)
    if (refs++ === 0 && !link) start()
    return () => {
      if (!held || e !== epoch) return
      held = false
      // Deferred, so an unmount followed by a mount (StrictMode, navigation) keeps the socket.
      if (--refs === 0) stopTimer = setTimeout(() => refs === 0 && stop(), 0)
    }
  }

  function start() {
    link = (factory ?? (o.tabSharing === false ? socketLink : tabLink))(
      { state: onState, event: onEvent, peer: () => activity(false) },
      o,
    )
    link.open()
    startIdle()
  }

  function stop() {
    const l = link
    link = undefined
    l?.close()
    idleOff?.()
    for (const t of [stopTimer, outboxTimer, typingTimer, statusTimer, idleTimer]) clearTimeout(t)
    for (const t of typingOut.values()) clearTimeout(t.idle)
    typingOut.clear()
    expiry.clear()
    onState(initialConnection(me()))
  }

  // -- connection ---------------------------------------------------------------------------
  function onState(c: ConnectionState) {
    const fresh = c.status === 'connected' && live !== c.socketId
    live = c.status === 'connected' ? c.socketId : null
    if (fresh || !live) ready = false
    set({ connection: c })
    if (fresh) replay(live)
  }

  /** After every (re)connect: presence, watched users, rooms, then the outbox, in that order. */
  function replay(id: string | null) {
    const { status, customStatus } = get().self
    if (status !== 'online' || customStatus) sendPresence()
    fetched = new Set()
    queueWatch()
    Promise.all([...rooms.keys()].map((room) => new Promise((done) => sendJoin(room, done)))).then(() => {
      if (live !== id) return
      ready = true
      pump()
    })
  }

  function emitAck(event: string, payload: unknown, cb: AckCallback, tries = 3) {
    const id = live
    if (!link || !id) return cb(err('NETWORK_ERROR', 'Not connected'))
    link.emit(
      event,
      payload,
      (error, res) => {
        // A lost acknowledgement on a live connection: ask again (the server de-duplicates).
        if (error?.code === 'TIMEOUT' && tries > 1 && live === id)
          return emitAck(event, payload, cb, tries - 1)
        cb(error ?? ackError(res), (res as { data?: unknown })?.data)
      },
      ackMs,
    )
  }

  // -- server events --------------------------------------------------------------------------
  function onEvent(event: string, payload: unknown) {
    if (event === 'message:new') {
      const m = payload as MessageNew
      const r = rooms.get(m.roomName)
      if (r?.held) return void r.held.push(m)
      if (r && !(m.timestamp <= (r.cursor ?? ''))) r.cursor = m.timestamp
    }
    if (schemas) {
      const r = schemas[event as keyof typeof schemas]?.safeParse(payload)
      if (r && !r.success)
        console.warn(`[@nself/realtime-client] unexpected ${event} payload`, payload, r.error)
    }
    const p = payload as { roomName: string; userId: string; users: WireTypist[]; threadId?: string }
    if (event === 'message:new' && !onMessage(p as never)) return
    if (event === 'typing:event') setTypists(p.roomName, p.users, p.threadId)
    if (event === 'presence:changed') putPresence([p as never])
    if (event === 'user:joined' || event === 'user:left')
      patchRoom(p.roomName, (r) => {
        const members = r.members.filter((u) => u !== p.userId)
        if (event === 'user:joined') members.push(p.userId)
        return { members, memberCount: members.length }
      })
    for (const fn of handlers.get(event) ?? []) fn(payload as never)
  }

  /**
   * Keeps a message unless it was seen: by (sender, clientMessageId) when it has one (a resend
   * through a restarted server comes with a new id), else by id. `false` for a repeat.
   */
  function onMessage(m: Omit<Message, 'status' | 'id'> & { id?: string }): boolean {
    const cmid = m.clientMessageId
    const key = cmid ? `${m.userId}\n${cmid}` : m.id
    if (key && repeated(key)) return false
    const list = listOf(m.roomName)
    if (!list) return true
    // `status` first: adding a key after a spread takes V8's slow path (over 1 µs a message).
    const msg = { status: 'sent', ...m, id: m.id ?? null } as Message
    msg.status = 'sent'
    const i = cmid && m.userId === me() ? indexOf(list, cmid) : -1
    if (i < 0) append(list, msg)
    else list[i] = msg
    touched(m.roomName)
    return true
  }

  /** Whether `key` was seen; remembers it if not. */
  function repeated(key: string) {
    if (seenBefore.has(key)) return true
    const n = seen.size
    if (seen.add(key).size === n) return true
    if (n >= GENERATION) {
      seenBefore = seen
      seen = new Set()
    }
    return false
  }

  /** Where this user's message `cmid` is in `list`'s last `cap` (searched from the newest). */
  function indexOf(list: readonly Message[], cmid: string) {
    const user = me()
    for (let i = list.length - 1; i >= Math.max(0, list.length - cap); i--)
      if (list[i]?.clientMessageId === cmid && list[i]?.userId === user) return i
    return -1
  }

  /**
   * Applies presences. A read (`presence:get`, a join's members) started at `since` skips users
   * with a `presence:changed` received meanwhile: the server may answer from a read taken
   * before a change whose event overtook the answer.
   */
  function putPresence(list: readonly PresenceChanged[], since?: number) {
    let presence: Record<string, Presence> | undefined
    for (const p of list) {
      if (since === undefined) changedAt.set(p.userId, ++events)
      else if ((changedAt.get(p.userId) ?? 0) > since) continue
      const next = fromWirePresence(p)
      const prev = (presence ?? get().presence)[p.userId]
      if (
        !prev ||
        prev.status !== next.status ||
        prev.customStatus !== next.customStatus ||
        prev.customEmoji !== next.customEmoji
      ) {
        presence ??= { ...get().presence }
        presence[p.userId] = next
      }
    }
    if (presence) set({ presence })
  }

  // -- rooms ----------------------------------------------------------------------------------
  /**
   * Joins `roomName` on the current socket. A re-join asks the server to replay what was sent
   * since this client's cursor (extension); live messages wait meanwhile, so the replay comes
   * first and the order per sender holds.
   */
  function sendJoin(roomName: string, done?: (v?: unknown) => void) {
    const readAt = events
    const joining = rooms.get(roomName)
    const since = joining && sinceOf(joining)
    if (since) joining.held ??= []
    const payload = since ? { roomName, since } : { roomName }
    emitAck('room:join', payload, (error, data) => {
      done?.()
      const r = rooms.get(roomName)
      if (!r || r !== joining) return
      const held = r.held ?? []
      r.held = undefined
      const d = data as RoomJoinAckData
      if (!error && d) {
        const at = d.serverTime
        if (at) {
          r.floor ??= at
          if (!(at <= (r.cursor ?? ''))) r.cursor = at
        }
        for (const m of d.messages ?? []) onEvent('message:new', m)
      }
      for (const m of held) onEvent('message:new', m)
      // Transport failures wait for the next replay; refusals are final.
      if (error) {
        if (!error.retryable) {
          patchRoom(roomName, () => ({ status: 'error', error }))
          r.join.ko(error)
        }
        return
      }
      patchRoom(roomName, (room) => ({
        status: 'joined',
        error: null,
        memberCount: d.memberCount,
        members: d.members ? d.members.map((m) => m.userId) : room.members,
      }))
      if (d.members) putPresence(d.members as PresenceChanged[], readAt)
      for (const t of d.typing ?? []) setTypists(roomName, t.users, t.threadId || undefined)
      r.join.ok(d)
    })
  }

  // -- typing ---------------------------------------------------------------------------------
  function setTypists(roomName: string, users: readonly WireTypist[], threadId?: string) {
    if (!rooms.has(roomName)) return
    const t = `${threadId ?? ''}\n`
    const room = expiry.get(roomName) ?? new Map<string, number>()
    expiry.set(roomName, room)
    const listed = new Set(users.filter((u) => u.userId !== me()).map((u) => t + u.userId))
    for (const k of room.keys()) if (k.startsWith(t) && !listed.has(k)) room.delete(k)
    for (const k of listed) room.set(k, Date.now() + (o.typingTimeoutMs ?? 3_000))
    expireTypists()
  }

  function expireTypists() {
    const now = Date.now()
    let next = Infinity
    clearTimeout(typingTimer)
    for (const [roomName, m] of expiry) {
      const typing: Typist[] = []
      for (const [k, at] of m) {
        if (at <= now) m.delete(k)
        else {
          next = Math.min(next, at)
          const [threadId, userId] = k.split('\n') as [string, string]
          typing.push(threadId ? { userId, threadId } : { userId })
        }
      }
      if (!m.size) expiry.delete(roomName)
      patchRoom(roomName, (r) => (sameTypists(r.typing, typing) ? undefined : { typing }))
    }
    if (next < Infinity) typingTimer = setTimeout(expireTypists, next - now)
  }

  // -- outbox ---------------------------------------------------------------------------------
  function outboxChanged(lastError = peek().outbox.lastError) {
    set({ outbox: { size: outbox.length, oldestAt: outbox[0]?.at ?? null, lastError } })
    clearTimeout(outboxTimer)
    const oldest = outbox[firstIdle()]
    if (oldest) outboxTimer = setTimeout(expire, oldest.at + maxAge - Date.now())
  }

  function expire() {
    for (const e of [...outbox])
      if (!e.busy && Date.now() - e.at >= maxAge)
        settle(e, err('MESSAGE_EXPIRED', 'Not acknowledged in time'))
    pump()
  }

  /** Takes `e` out of the outbox: acknowledged as `m`, or failed with `error`. */
  function settle(e: Entry, error: NselfError | null, m?: Message) {
    const i = outbox.indexOf(e)
    outbox.splice(i, 1)
    if (i >= 0 && i < idleFrom) idleFrom--
    slow &&= outbox.length > 0
    markMessage(e.cmid, e.payload.roomName, error ? { status: 'failed', error } : (m as Message))
    outboxChanged(error ?? undefined)
    e.done(error, m)
  }

  function markMessage(cmid: string, roomName: string, patch: Partial<Message>) {
    const list = listOf(roomName)
    const i = list ? indexOf(list, cmid) : -1
    if (!list || i < 0) return
    list[i] = { ...(list[i] as Message), ...patch }
    touched(roomName)
  }

  /** The index of the first outbox entry not in flight (`outbox.length` if none). */
  function firstIdle() {
    idleFrom = Math.min(idleFrom, outbox.length)
    while (outbox[idleFrom]?.busy) idleFrom++
    return idleFrom
  }

  /** Sends what the outbox holds, in order, at most `maxInFlight` ahead of their acks. */
  function pump() {
    if (!ready || !live || (stalled && inFlight)) return
    stalled = false
    const wait = blockedUntil - Date.now()
    if (wait > 0) {
      clearTimeout(outboxTimer)
      outboxTimer = setTimeout(pump, wait)
      return
    }
    const max = slow ? 1 : (o.outbox?.maxInFlight ?? maxSize)
    for (let i = firstIdle(); i < outbox.length && inFlight < max; i++) {
      const e = outbox[i] as Entry
      if (e.busy) continue
      e.busy = true
      inFlight++
      emitAck(
        'message:send',
        { ...e.payload, clientMessageId: e.cmid },
        (error, data) => {
          inFlight--
          e.busy = false
          if (error?.retryable) {
            // Nothing after this one goes out until it is through, so the order holds.
            stalled = true
            idleFrom = 0
            if (error.code === 'RATE_LIMITED') {
              blockedUntil = Date.now() + (error.retryAfterMs ?? 1_000)
              slow = true
            }
            if (Date.now() - e.at >= maxAge)
              settle(e, err('MESSAGE_EXPIRED', 'Not acknowledged in time', error))
          } else if (error) settle(e, error)
          else {
            const d = data as { id: string; timestamp: string }
            settle(e, null, {
              ...e.payload,
              clientMessageId: e.cmid,
              userId: me() ?? '',
              ...d,
              status: 'sent',
            })
          }
          pump()
        },
        1,
      )
    }
  }

  // -- presence -------------------------------------------------------------------------------
  function sendPresence() {
    const { status, customStatus: c } = get().self
    if (live)
      link?.emit('presence:update', {
        status: toWireStatus(status),
        ...(c && {
          customStatus: {
            text: c.text,
            ...(c.emoji && { emoji: c.emoji }),
            ...(c.expiresAt !== undefined && { expiresAt: new Date(c.expiresAt).toISOString() }),
          },
        }),
      })
  }

  function queueWatch() {
    if (watchQueued) return
    watchQueued = true
    // One `presence:get` for everything asked for in the same tick (500 avatars mounting).
    queueMicrotask(() => {
      watchQueued = false
      const ids = [...watched.keys()].filter((u) => !fetched.has(u))
      if (!live || !ids.length) return
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000)
        for (const u of chunk) fetched.add(u)
        client.getPresence(chunk).catch(() => {
          for (const u of chunk) fetched.delete(u)
        })
      }
    })
  }

  // -- idle → away ----------------------------------------------------------------------------
  function activity(local: boolean) {
    const now = Date.now()
    lastActive = now
    if (local && now - lastPeerPing > 10_000) {
      lastPeerPing = now
      link?.peer?.(1) // other tabs of this user count as active too
    }
    if (autoAway) client.setPresence('online', get().self.customStatus)
  }

  function startIdle() {
    const awayMs = o.idleAwayMs ?? 300_000
    const g = globalThis as unknown as Window
    if (awayMs === false || !g.document) return
    const onActivity = () => activity(true)
    const types = ['pointerdown', 'pointermove', 'keydown', 'scroll', 'focus']
    for (const t of types) g.addEventListener(t, onActivity, { passive: true, capture: true })
    idleOff = () => {
      for (const t of types) g.removeEventListener(t, onActivity, { capture: true })
      idleOff = undefined
    }
    lastActive = Date.now()
    const check = () => {
      const left = lastActive + awayMs - Date.now()
      if (left <= 0 && !autoAway && get().self.status === 'online') {
        set({ self: { ...get().self, status: 'away' } })
        autoAway = true
        sendPresence()
      }
      idleTimer = setTimeout(check, left > 0 ? left : awayMs)
    }
    idleTimer = setTimeout(check, awayMs)
  }

  const client: Client = {
    getSnapshot: get,
    subscribe(listener) {
      const unsubscribe = store.subscribe(listener)
      const release = hold()
      return () => {
        unsubscribe()
        release()
      }
    },
    connect: hold,
    reconnect: () => link?.reconnect(),

    joinRoom(roomName) {
      const r = rooms.get(roomName)
      if (r) {
        r.n++
        return r.join.p
      }
      const join = deferred<RoomJoinAckData>()
      rooms.set(roomName, { n: 1, join, release: hold() })
      set({
        rooms: {
          ...get().rooms,
          [roomName]: {
            name: roomName,
            status: 'joining',
            error: null,
            members: [],
            memberCount: 0,
            messages: [],
            typing: [],
          },
        },
      })
      if (live) sendJoin(roomName)
      return join.p
    },

    async leaveRoom(roomName) {
      const r = rooms.get(roomName)
      if (!r || r.n <= 0 || --r.n) return
      // Deferred like the socket: a leave and a join in the same tick (StrictMode) cancel out.
      await new Promise((done) => setTimeout(done, 0))
      if (r.n || rooms.get(roomName) !== r) return
      rooms.delete(roomName)
      r.join.ko(err('ABORTED', 'Left the room'))
      for (const k of typingOut.keys()) {
        const [room, thread] = k.split('\n') as [string, string]
        if (room === roomName) client.stopTyping(room, thread || undefined)
      }
      expiry.delete(roomName)
      work.delete(roomName)
      const { [roomName]: _, ...rest } = get().rooms
      set({ rooms: rest })
      if (live) await new Promise((done) => emitAck('room:leave', { roomName }, done, 1))
      r.release()
    },

    send(roomName, content, opts = {}) {
      const at = Date.now()
      const payload: Payload = {
        roomName,
        content,
        ...(opts.threadId && { threadId: opts.threadId }),
        ...(opts.metadata && { metadata: opts.metadata }),
      }
      const cmid = randomId()
      client.stopTyping(roomName, opts.threadId)
      const m: Message = {
        ...payload,
        id: null,
        clientMessageId: cmid,
        userId: me() ?? '',
        timestamp: new Date(at).toISOString(),
        status: 'pending',
      }
      const list = listOf(roomName)
      if (list) {
        append(list, m)
        touched(roomName)
      }
      if (outbox.length >= maxSize) {
        const error = err('OUTBOX_FULL', 'Too many messages waiting to be sent')
        markMessage(cmid, roomName, { status: 'failed', error })
        outboxChanged(error)
        return Promise.reject(error)
      }
      const release = hold()
      return new Promise<Message>((ok, ko) => {
        outbox.push({
          cmid,
          payload,
          at,
          done(error, msg) {
            release()
            if (error) ko(error)
            else ok(msg as Message)
          },
        })
        outboxChanged()
        pump()
      })
    },

    startTyping(roomName, threadId) {
      const key = `${roomName}\n${threadId ?? ''}`
      const now = Date.now()
      const t = typingOut.get(key) ?? { last: 0 }
      typingOut.set(key, t)
      clearTimeout(t.idle)
      t.idle = setTimeout(() => client.stopTyping(roomName, threadId), o.typingIdleMs ?? 5_000)
      if (now - t.last < (o.typingThrottleMs ?? 2_000) || !live) return
      t.last = now
      link?.emit('typing:start', { roomName, ...(threadId && { threadId }) })
    },

    stopTyping(roomName, threadId) {
      const key = `${roomName}\n${threadId ?? ''}`
      const t = typingOut.get(key)
      if (!t) return
      clearTimeout(t.idle)
      typingOut.delete(key)
      if (t.last && live) link?.emit('typing:stop', { roomName, ...(threadId && { threadId }) })
    },

    setPresence(status, customStatus = null) {
      autoAway = false
      set({ self: { status, customStatus } })
      sendPresence()
      clearTimeout(statusTimer)
      if (customStatus?.expiresAt !== undefined)
        statusTimer = setTimeout(
          () => get().self.customStatus === customStatus && set({ self: { status, customStatus: null } }),
          Math.max(0, new Date(customStatus.expiresAt).getTime() - Date.now()),
        )
    },

    async getPresence(userIds) {
      const since = events
      const { presences } = await client.request('presence:get', { userIds: [...userIds] })
      putPresence(presences, since)
      return presences.map(fromWirePresence)
    },

    watchPresence(userIds) {
      const release = hold()
      for (const u of userIds) watched.set(u, (watched.get(u) ?? 0) + 1)
      queueWatch()
      return () => {
        for (const u of userIds) {
          const n = (watched.get(u) ?? 1) - 1
          if (n > 0) watched.set(u, n)
          else watched.delete(u)
        }
        release()
      }
    },

    on(event, handler) {
      const list = handlers.get(event) ?? new Set()
      handlers.set(event, list)
      const fn = (p: never) => handler(p)
      list.add(fn)
      const release = hold()
      return () => {
        if (list.delete(fn)) release()
      }
    },

    request(event, payload, { signal, timeoutMs = 30_000 } = {}) {
      const release = hold()
      return new Promise((ok, ko) => {
        let off: (() => void) | undefined
        const finish = (error: NselfError | null, data?: unknown) => {
          if (!pending.delete(fail)) return
          off?.()
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          release()
          if (error) ko(error)
          else ok(data as never)
        }
        const fail = (e: NselfError) => finish(e)
        const onAbort = () => fail(err('ABORTED', 'Aborted', signal?.reason))
        const timer = setTimeout(() => fail(err('TIMEOUT', `No answer to ${event}`)), timeoutMs)
        pending.add(fail)
        signal?.addEventListener('abort', onAbort)
        if (signal?.aborted) return onAbort()
        // Send whenever connected; a lost ack or a dropped connection sends it again.
        const attempt = () => {
          if (!live) return
          const id = live
          off?.()
          off = undefined
          emitAck(event, payload, (error, data) => {
            if (error?.retryable && (error.code === 'TIMEOUT' || error.code === 'NETWORK_ERROR')) {
              if (live !== id) attempt()
              return
            }
            finish(error, data)
          })
        }
        let was = live
        off = store.subscribe(() => {
          if (live && live !== was) attempt()
          was = live
        })
        attempt()
      })
    },

    async ping() {
      const release = hold()
      try {
        if (!live)
          await new Promise<void>((done) => {
            const off = store.subscribe(() => {
              if (!live) return
              off()
              done()
            })
          })
        const t = performance.now()
        await new Promise((done, fail) => {
          const timer = setTimeout(() => fail(err('TIMEOUT', 'No pong')), ackMs)
          const off = client.on('pong', () => {
            off()
            clearTimeout(timer)
            done(0)
          })
          link?.emit('ping', undefined)
        })
        return performance.now() - t
      } finally {
        release()
      }
    },

    close() {
      epoch++
      for (const e of [...outbox]) settle(e, err('ABORTED', 'Closed'))
      for (const fail of [...pending]) fail(err('ABORTED', 'Closed'))
      for (const r of rooms.values()) r.join.ko(err('ABORTED', 'Closed'))
      rooms.clear()
      seen = new Set()
      seenBefore = new Set()
      work.clear()
      refs = 0
      stop()
      set({ rooms: {}, outbox: { size: 0, oldestAt: null, lastError: null } })
    },
  }
  return client
}

/** The realtime client (see {@link createRealtimeClient}, which `new RealtimeClient(options)` calls). */
export type RealtimeClient = Client
export const RealtimeClient = function RealtimeClient(options?: RealtimeClientOptions) {
  return createRealtimeClient(options)
} as unknown as new (
  options?: RealtimeClientOptions,
) => Client
