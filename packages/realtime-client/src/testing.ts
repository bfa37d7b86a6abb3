'use client'
import { NselfError } from '@nself/client-core'
import type { Ack, PresenceChanged } from '@nself/contracts/realtime'
import { createElement, type ReactElement, type ReactNode } from 'react'
import { type AckCallback, initialConnection, type LinkHandlers } from './link'
import { RealtimeProvider } from './react/realtime-provider'
import { createRealtimeClient } from './realtime-client'
import type {
  ClientEvents,
  ConnectionState,
  RealtimeClient,
  RealtimeClientOptions,
  ServerEvents,
} from './types'

/** An event the client sent, as the mock server saw it. */
export interface Emitted {
  event: string
  payload: unknown
}

/** Answers an event with an ack (`{ success, data?, error? }`); `undefined` never answers (a lost ack). */
export type MockResponder = (payload: never) => Ack<unknown> | Promise<Ack<unknown> | undefined> | undefined

/** Options of {@link createMockRealtimeClient}. */
export interface MockRealtimeClientOptions
  extends Omit<RealtimeClientOptions, 'url' | 'getToken' | 'tabSharing'> {
  /** Who the client is signed in as. Default `'me'`. */
  userId?: string
  /** Connect as soon as something uses the client. Default `true`; `false` stays `connecting` until `connectNow()`. */
  autoConnect?: boolean
  /** Echo `message:send` back as `message:new` (as the server does). Default `true`. */
  echo?: boolean
}

/**
 * A {@link RealtimeClient} wired to an in-memory fake server instead of a socket: the real
 * client logic (rooms, outbox, typing, presence) runs unchanged, so components behave as in
 * production. Push server events with `receive`, inspect what the client sent with
 * `emitted`, change answers with `respond`, and drop or restore the connection.
 */
export interface MockRealtimeClient extends RealtimeClient {
  /** Delivers a server event to the client. */
  receive<E extends keyof ServerEvents>(event: E, payload: ServerEvents[E]): void
  /** Everything the client sent, in order. */
  readonly emitted: readonly Emitted[]
  /** The payloads of one event the client sent. */
  emittedOf<E extends keyof ClientEvents>(event: E): Array<ClientEvents[E]>
  /** Replaces the fake server's answer to `event`. */
  respond<E extends keyof ClientEvents>(
    event: E,
    responder: (payload: ClientEvents[E]) => ReturnType<MockResponder>,
  ): void
  /** Drops the connection (`reconnecting`, or another status); unacknowledged emits fail. */
  disconnect(patch?: Partial<ConnectionState>): void
  /** Completes the connection (again): a new socket id, so rooms and the outbox replay. */
  connectNow(): void
  /** `true` while the client holds a (fake) connection. */
  readonly isOpen: boolean
  /** How many times the client opened its connection (StrictMode must not make it 2). */
  readonly connects: number
  /** Sets a user's presence as the server would broadcast it (`dnd` is sent as `busy`). */
  setUserPresence(
    userId: string,
    status: PresenceChanged['status'] | 'dnd',
    custom?: { text?: string; emoji?: string },
  ): void
}

/** Creates a {@link MockRealtimeClient}. */
export function createMockRealtimeClient(options: MockRealtimeClientOptions = {}): MockRealtimeClient {
  const { autoConnect = true, echo = true, userId = 'me', ...rest } = options
  const emitted: Emitted[] = []
  const presence = new Map<string, PresenceChanged>()
  let handlers: LinkHandlers | undefined
  let state = initialConnection(userId)
  let sockets = 0
  let connects = 0
  let seq = 0
  const acks = new Set<AckCallback>()
  const setState = (patch: Partial<ConnectionState>) => {
    state = { ...state, ...patch }
    handlers?.state(state)
  }
  const ok = (data?: unknown): Ack<unknown> => ({ success: true, data })
  const responders = new Map<string, MockResponder>(
    Object.entries({
      'room:join': ({ roomName }: { roomName: string }) =>
        ok({
          roomName,
          memberCount: 1,
          members: [{ userId, status: 'online', customStatus: null, customEmoji: null }],
          typing: [],
          serverTime: new Date().toISOString(),
        }),
      'message:send': (p: {
        roomName: string
        content: string
        clientMessageId?: string
        threadId?: string
      }) => {
        const id = `msg-${++seq}`
        const timestamp = new Date().toISOString()
        if (echo) queueMicrotask(() => mock.receive('message:new', { ...p, userId, id, timestamp }))
        return ok({ id, timestamp })
      },
      'presence:get': ({ userIds }: { userIds: string[] }) =>
        ok({ presences: userIds.map((u) => presence.get(u) ?? { userId: u, status: 'offline' }) }),
    }) as Array<[string, MockResponder]>,
  )

  const client = createRealtimeClient({ ...rest, userId, idleAwayMs: rest.idleAwayMs ?? false }, (h) => ({
    open() {
      handlers = h
      connects++
      setState({ status: 'connecting' })
      if (autoConnect) mock.connectNow()
    },
    close() {
      for (const a of [...acks]) a(new NselfError('NETWORK_ERROR', 'Closed'))
      setState(initialConnection(userId))
      handlers = undefined
    },
    reconnect: () => mock.connectNow(),
    emit(event, payload, ack) {
      emitted.push({ event, payload })
      if (!ack) return
      acks.add(ack)
      const answer = (responders.get(event) ?? (() => ok()))(payload as never)
      Promise.resolve(answer).then((res) => {
        if (res && acks.delete(ack)) ack(null, res)
      })
    },
  }))

  const mock: MockRealtimeClient = Object.assign(client, {
    emitted,
    emittedOf: (event: string) => emitted.filter((e) => e.event === event).map((e) => e.payload),
    receive: (event: string, payload: unknown) => handlers?.event(event, payload),
    respond: (event: string, responder: MockResponder) => void responders.set(event, responder),
    disconnect(patch: Partial<ConnectionState> = {}) {
      setState({ status: 'reconnecting', socketId: null, ...patch })
      for (const a of [...acks]) {
        acks.delete(a)
        a(new NselfError('NETWORK_ERROR', 'Disconnected'))
      }
    },
    connectNow() {
      setState({
        status: 'connected',
        attempt: 0,
        nextRetryAt: null,
        lastError: null,
        socketId: `mock-${++sockets}`,
      })
    },
    setUserPresence(user: string, status: string, custom: { text?: string; emoji?: string } = {}) {
      const p: PresenceChanged = {
        userId: user,
        status: (status === 'dnd' ? 'busy' : status) as PresenceChanged['status'],
        customStatus: custom.text ?? null,
        customEmoji: custom.emoji ?? null,
      }
      presence.set(user, p)
      handlers?.event('presence:changed', p)
    },
  }) as unknown as MockRealtimeClient
  Object.defineProperties(mock, { isOpen: { get: () => !!handlers }, connects: { get: () => connects } })
  return mock
}

/** A `RealtimeProvider` around `children` with the given (mock) client. */
export function RealtimeTestProvider({
  client,
  children,
}: {
  client: RealtimeClient
  children?: ReactNode
}): ReactElement {
  return createElement(RealtimeProvider, { client }, children)
}

/** A `wrapper` for Testing Library's `render` / `renderHook`: `render(ui, { wrapper: createRealtimeWrapper(client) })`. */
export function createRealtimeWrapper(
  client: RealtimeClient,
): (props: { children?: ReactNode }) => ReactElement {
  return function RealtimeWrapper({ children }: { children?: ReactNode }): ReactElement {
    return createElement(RealtimeProvider, { client }, children)
  }
}
