import type { NselfError } from '@nself/client-core'
import type { MessageNew, PresenceChanged, Typist as WireTypist } from '@nself/contracts/realtime'
import { serverEventSchemas } from '@nself/contracts/realtime'
import { ackError, type Core, err, type Timer } from './client/core'
import { createInbox } from './client/messages'
import { createOutbox } from './client/outbox'
import { createPresence } from './client/presence'
import { createRooms } from './client/rooms'
import { createState } from './client/state'
import { createTyping } from './client/typing'
import { type AckCallback, initialConnection, type Link, type LinkFactory, socketLink } from './link'
import { tabLink } from './tab-link'
import type { RealtimeClient as Client, ConnectionState, RealtimeClientOptions } from './types'

export { fromWirePresence, toWireStatus } from './client/presence'

/**
 * Creates a {@link RealtimeClient}. Touches no socket, timer or browser API until first used.
 *
 * The client is this file (the connection: reference counting, the state machine, replay after
 * every reconnect, events in, acks out) over parts that each keep one job: `client/state`
 * (the store), `client/rooms`, `client/messages` (de-duplication), `client/outbox`,
 * `client/typing` and `client/presence`.
 */
export function createRealtimeClient(
  options: RealtimeClientOptions = {},
  /** @internal the transport (tests and `createMockRealtimeClient`) */
  factory?: LinkFactory,
): Client {
  const o = options
  // Read once: `process.env` is a slow getter in Node, and this is on every event's path.
  const schemas = process.env.NODE_ENV !== 'production' ? serverEventSchemas : undefined
  const ackMs = o.ackTimeoutMs ?? 10_000
  const { store, state, lists } = createState(o)
  const { get, set } = state

  let link: Link | undefined
  let refs = 0
  let epoch = 0
  let stopTimer: Timer | undefined
  let live: string | null = null // the socket the last replay ran for
  const handlers = new Map<string, Set<(payload: never) => void>>()
  const pending = new Set<(e: NselfError) => void>()

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

  const core: Core = {
    options: o,
    ...state,
    live: () => live,
    emit: (event, payload) => void (live && link?.emit(event, payload)),
    emitAck,
    peer: (message) => link?.peer?.(message),
    hold,
  }
  const inbox = createInbox(core, lists)
  const outbox = createOutbox(core, lists)
  const presence = createPresence(core, (event, payload, opts) => client.request(event, payload, opts))
  const rooms = createRooms(core, {
    deliver: (m) => onEvent('message:new', m),
    presenceMark: presence.mark,
    putPresence: presence.put,
    typists: (room, users, thread) => typing.receive(room, users, thread),
    left(room) {
      typing.leave(room)
      lists.forget(room)
      inbox.forget(room)
    },
  })
  const typing = createTyping(core, rooms.has)

  function start() {
    link = (factory ?? (o.tabSharing === false ? socketLink : tabLink))(
      { state: onState, event: onEvent, peer: () => presence.activity(false) },
      o,
    )
    link.open()
    presence.start()
  }

  function stop() {
    const l = link
    link = undefined
    l?.close()
    clearTimeout(stopTimer)
    presence.stop()
    outbox.stop()
    typing.clear()
    onState(initialConnection(state.me()))
  }

  // -- connection ---------------------------------------------------------------------------
  function onState(c: ConnectionState) {
    const fresh = c.status === 'connected' && live !== c.socketId
    live = c.status === 'connected' ? c.socketId : null
    if (fresh || !live) outbox.ready(false)
    set({ connection: c })
    if (!fresh) return
    // After every (re)connect: presence, watched users, rooms, then the outbox, in that order.
    const id = live
    presence.connected()
    rooms.rejoin().then(() => live === id && outbox.ready(true))
  }

  // -- server events --------------------------------------------------------------------------
  function onEvent(event: string, payload: unknown) {
    if (event === 'message:new' && rooms.hold(payload as MessageNew)) return
    if (schemas) {
      const r = schemas[event as keyof typeof schemas]?.safeParse(payload)
      if (r && !r.success)
        console.warn(`[@nself/realtime-client] unexpected ${event} payload`, payload, r.error)
    }
    const p = payload as { roomName: string; userId: string; users: WireTypist[]; threadId?: string }
    if (event === 'message:new' && !inbox.receive(payload as MessageNew)) return
    if (event === 'typing:event') typing.receive(p.roomName, p.users, p.threadId)
    if (event === 'presence:changed') presence.put([payload as PresenceChanged])
    if (event === 'user:joined' || event === 'user:left')
      state.patchRoom(p.roomName, (r) => {
        const members = r.members.filter((u) => u !== p.userId)
        if (event === 'user:joined') members.push(p.userId)
        return { members, memberCount: members.length }
      })
    for (const fn of handlers.get(event) ?? []) fn(payload as never)
  }

  /** Resolves once connected (at once when connected now). */
  const connected = () =>
    new Promise<void>((done) => {
      if (live) return done()
      const off = store.subscribe(() => {
        if (!live) return
        off()
        done()
      })
    })

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
    joinRoom: rooms.join,
    leaveRoom: rooms.leave,
    send(roomName, content, opts = {}) {
      typing.stop(roomName, opts.threadId)
      return outbox.send(roomName, content, opts)
    },
    startTyping: typing.start,
    stopTyping: typing.stop,
    setPresence: presence.set,
    getPresence: presence.get,
    watchPresence: presence.watch,

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
        await connected()
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
      outbox.close()
      for (const fail of [...pending]) fail(err('ABORTED', 'Closed'))
      rooms.close()
      inbox.forget()
      lists.forget()
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
