// Raw socket.io-client helpers for the realtime server's tests (not built, not published).
import type { ClientToServerEvents, ServerToClientEvents } from '@nself/contracts/realtime'
import { io, type Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { type DevTokenClaims, signDevToken } from '../src/auth/jwt'
import {
  createRealtimeServer,
  type RealtimeServer,
  type RealtimeServerOptions,
} from '../src/plugins/realtime/server'

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>
type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0]

/** An ack as the server sends it. */
export interface AckResponse {
  success: boolean
  data?: unknown
  error?: { code: string; message: string; details?: unknown }
}

/** One event a client received. */
export interface Received {
  event: string
  payload: unknown
  at: number
}

/** A connected test client: the raw socket and everything it received. */
export interface TestClient {
  readonly socket: ClientSocket
  readonly userId: string
  /** Every event received since the socket was created, in order. */
  readonly log: Received[]
  /** The payloads of `event` received so far (optionally those matching). */
  events<E extends keyof ServerToClientEvents>(event: E, match?: (p: Payload<E>) => boolean): Payload<E>[]
  /**
   * The first `event` matching, received at or after log index `since` (default 0: already
   * received, or the next one); rejects after `timeoutMs` (default 3000).
   */
  waitFor<E extends keyof ServerToClientEvents>(
    event: E,
    match?: (p: Payload<E>) => boolean,
    options?: number | { timeoutMs?: number; since?: number },
  ): Promise<Payload<E>>
  /** Emits `event` with an ack and resolves with the ack (rejects when none comes in `timeoutMs`). */
  ack(event: string, payload?: unknown, timeoutMs?: number): Promise<AckResponse>
  /** Emits `event` without an ack. */
  send(event: string, ...args: unknown[]): void
  close(): void
}

/** Opens raw clients against one realtime server, and closes them all at the end of a test. */
export class RealtimeKit {
  readonly url: string
  readonly secret: string
  readonly #open = new Set<ClientSocket>()

  constructor(url: string, secret: string) {
    this.url = url
    this.secret = secret
  }

  /** A token this server accepts. */
  token(userId: string, extra: Omit<DevTokenClaims, 'userId'> = {}): string {
    return signDevToken({ ...extra, userId }, this.secret)
  }

  /** A socket, not awaited (for handshake failures); `auth` as given. */
  raw(
    auth: Record<string, unknown>,
    options: { transports?: Array<'websocket' | 'polling'>; reconnection?: boolean; url?: string } = {},
  ): ClientSocket {
    const socket: ClientSocket = io(options.url ?? this.url, {
      auth,
      forceNew: true,
      reconnection: options.reconnection ?? false,
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      transports: options.transports ?? ['websocket'],
      timeout: 5_000,
    })
    this.#open.add(socket)
    return socket
  }

  /** Connects `userId` and resolves once the server sent `connected`. */
  async connect(
    userId: string,
    options: {
      url?: string
      token?: string
      transports?: Array<'websocket' | 'polling'>
      reconnection?: boolean
    } = {},
  ): Promise<TestClient> {
    const socket = this.raw({ token: options.token ?? this.token(userId) }, options)
    const client = wrap(socket, userId)
    await connected(socket)
    return client
  }

  /** Connects each of `userIds` in turn, each joining `roomName` before the next connects. */
  async joined<const U extends readonly string[]>(
    roomName: string,
    ...userIds: U
  ): Promise<{ -readonly [K in keyof U]: TestClient }> {
    const clients: TestClient[] = []
    for (const userId of userIds) {
      const client = await this.connect(userId)
      await client.ack('room:join', { roomName })
      clients.push(client)
    }
    return clients as { -readonly [K in keyof U]: TestClient }
  }

  /** `GET /metrics` of this server (or `url`) as `ops`: the Prometheus text. */
  async metrics(url = this.url): Promise<string> {
    return (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${this.token('ops')}` } })
    ).text()
  }

  /** `GET /metrics` of this server (or `url`) as `ops` with `Accept: application/json`: the parsed body. */
  async metricsJson(url = this.url): Promise<unknown> {
    const res = await fetch(`${url}/metrics`, {
      headers: { accept: 'application/json', authorization: `Bearer ${this.token('ops')}` },
    })
    return res.json()
  }

  /** Closes every socket this kit opened. */
  closeAll(): void {
    for (const socket of this.#open) socket.close()
    this.#open.clear()
  }
}

/** A realtime server started for a test, and a kit for its clients. */
export interface RealtimeStub {
  readonly server: RealtimeServer
  readonly kit: RealtimeKit
  /** Closes every client of the kit, then the server. */
  close(): Promise<void>
}

/**
 * Starts a realtime server on a free port, without logs, with `env` (an empty environment unless
 * given). The kit signs with `options.jwtSecret`, or with `secret` when the server reads its own
 * from `env`.
 */
export async function startRealtime(
  options: RealtimeServerOptions,
  secret = options.jwtSecret,
): Promise<RealtimeStub> {
  if (secret === undefined) throw new Error('startRealtime: no secret for the kit to sign with')
  const server = await createRealtimeServer({ port: 0, logger: false, env: {}, ...options })
  const kit = new RealtimeKit(server.url, secret)
  return {
    server,
    kit,
    close: async () => {
      kit.closeAll()
      await server.close()
    },
  }
}

/**
 * One realtime server for the enclosing `describe`: started before all its tests, its clients
 * closed after each test, the server after all. Read `server` and `kit` inside tests.
 */
export function realtimeSuite(options: RealtimeServerOptions): Pick<RealtimeStub, 'server' | 'kit'> {
  let stub: RealtimeStub | undefined
  beforeAll(async () => {
    stub = await startRealtime(options)
  })
  afterEach(() => stub?.kit.closeAll())
  afterAll(() => stub?.close())
  const started = (): RealtimeStub => {
    if (!stub) throw new Error('realtimeSuite: the server starts in beforeAll; read it inside a test')
    return stub
  }
  return {
    get server() {
      return started().server
    },
    get kit() {
      return started().kit
    },
  }
}

/**
 * Servers started during a `describe`'s tests (with their own options), all closed after each
 * test. `start` resolves with the new one.
 */
export function realtimeServers(): {
  start(options: RealtimeServerOptions, secret?: string): Promise<RealtimeStub>
} {
  const running: RealtimeStub[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((stub) => stub.close()))
  })
  return {
    async start(options, secret) {
      const stub = await startRealtime(options, secret)
      running.push(stub)
      return stub
    },
  }
}

function wrap(socket: ClientSocket, userId: string): TestClient {
  const log: Received[] = []
  const waiters = new Set<(entry: Received) => void>()
  socket.onAny((event: string, payload: unknown) => {
    const entry = { event, payload, at: Date.now() }
    log.push(entry)
    for (const waiter of waiters) waiter(entry)
  })
  const untyped = socket as unknown as {
    emit(event: string, ...args: unknown[]): void
    timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> }
  }
  return {
    socket,
    userId,
    log,
    events(event, match) {
      return log
        .filter((e) => e.event === event)
        .map((e) => e.payload as Payload<typeof event>)
        .filter((p) => !match || match(p))
    },
    waitFor(event, match, options = {}) {
      const { timeoutMs = 3_000, since = 0 } = typeof options === 'number' ? { timeoutMs: options } : options
      const test = (entry: Received) =>
        entry.event === event && (!match || match(entry.payload as Payload<typeof event>))
      const found = log.slice(since).find(test)
      if (found) return Promise.resolve(found.payload as Payload<typeof event>)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`${userId}: no ${event} in ${timeoutMs} ms`))
        }, timeoutMs)
        const waiter = (entry: Received) => {
          if (!test(entry)) return
          clearTimeout(timer)
          waiters.delete(waiter)
          resolve(entry.payload as Payload<typeof event>)
        }
        waiters.add(waiter)
      })
    },
    async ack(event, payload, timeoutMs = 3_000) {
      const args = payload === undefined ? [] : [payload]
      return (await untyped.timeout(timeoutMs).emitWithAck(event, ...args)) as AckResponse
    },
    send(event, ...args) {
      untyped.emit(event, ...args)
    },
    close() {
      socket.close()
    },
  }
}

/** Resolves once `check` holds; rejects after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(10)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves with the payload of the server's `connected` event; rejects on `connect_error`. */
export function connected(socket: ClientSocket): Promise<unknown> {
  return new Promise((resolve, reject) => {
    socket.once('connected', resolve)
    socket.once('connect_error', reject)
  })
}

/** Resolves with the `connect_error` of `socket`; rejects if it connects. */
export function connectError(socket: ClientSocket): Promise<Error & { data?: unknown }> {
  return new Promise((resolve, reject) => {
    socket.once('connect_error', resolve)
    socket.once('connect', () => reject(new Error('connected, expected connect_error')))
  })
}
