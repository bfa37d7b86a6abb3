/**
 * Contract cases for the nself plugins, run against base URLs: the reference servers
 * (`@nself/server-stubs`) or any real deployment. Used by `npm run conformance` and by the
 * stubs' own tests, so both check the same thing.
 */
import { HEALTH_SCHEMAS, type PluginName } from '@nself/contracts'
import {
  ackSchema,
  type Connected,
  ConnectedSchema,
  MessageNewSchema,
  MessageSendAckDataSchema,
  PresenceChangedSchema,
  PresenceGetAckDataSchema,
  REALTIME_CONNECT_ERRORS,
  RoomJoinAckDataSchema,
  TypingEventSchema,
} from '@nself/contracts/realtime'
import { io } from 'socket.io-client'

/** Claims a case may ask the target to sign. */
export interface CaseTokenClaims {
  /** The `userId` claim. */
  userId: string
  /** The `sessionId` claim. */
  sessionId?: string
  /** Seconds (negative: already expired). */
  expiresIn?: number
}

/** What the cases run against. */
export interface ConformanceTarget {
  /** Base URL of each plugin under test; the cases of the other plugins are not run. */
  urls: Partial<Record<PluginName, string>>
  /** A valid token of the deployment (`--token`). */
  token?: string
  /** Signs tokens with the deployment's secret (`--secret`); needed by cases with special tokens. */
  sign?: (claims: CaseTokenClaims, plugin: PluginName) => string
  /** Per-case network timeout in ms (default 5000). */
  timeoutMs?: number
}

/** Thrown by a case that cannot run against this target (e.g. it needs `sign`). */
export class CaseSkipped extends Error {}

/** One contract case. It throws on a violation. */
export interface ConformanceCase {
  /** `<plugin>: <what it checks>`. */
  readonly name: string
  /** The plugin whose URL the case runs against. */
  readonly plugin: PluginName
  /** Checks `url`; rejects with the violation, or with `CaseSkipped`. */
  run(url: string, target: ConformanceTarget): Promise<void>
}

/** The outcome of one case. */
export interface CaseResult {
  /** The case's name. */
  name: string
  /** The case's plugin. */
  plugin: PluginName
  /** Skipped cases are printed but counted neither way. */
  status: 'passed' | 'failed' | 'skipped'
  /** How long it took. */
  ms: number
  /** Why it failed or was skipped. */
  reason?: string
}

class ContractViolation extends Error {}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message)
}

function timeout(target: ConformanceTarget): number {
  return target.timeoutMs ?? 5_000
}

function healthCase(plugin: PluginName): ConformanceCase {
  return {
    name: `${plugin}: GET /health answers 200 in the real plugin's shape`,
    plugin,
    async run(url, target) {
      const res = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(timeout(target)) })
      check(res.status === 200, `status ${res.status}, expected 200`)
      check(
        /application\/json/i.test(res.headers.get('content-type') ?? ''),
        `content-type ${res.headers.get('content-type')}`,
      )
      const body: unknown = await res.json()
      const parsed = HEALTH_SCHEMAS[plugin].safeParse(body)
      check(parsed.success, `body ${JSON.stringify(body)} does not match the ${plugin} health schema`)
    },
  }
}

type HandshakeOutcome =
  | { kind: 'connect_error'; message: string; data: unknown }
  | { kind: 'connected'; payload: unknown; socketId: string | undefined }

/** Connects once (no reconnection) and reports the first of `connect_error` or `connected`. */
export function handshake(
  url: string,
  auth: Record<string, unknown>,
  timeoutMs: number,
): Promise<HandshakeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth,
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
      transports: ['websocket'],
    })
    const timer = setTimeout(
      () => finish(() => reject(new ContractViolation(`no connected/connect_error within ${timeoutMs} ms`))),
      timeoutMs,
    )
    function finish(settle: () => void) {
      clearTimeout(timer)
      socket.off()
      socket.close()
      settle()
    }
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      finish(() => resolve({ kind: 'connect_error', message: error.message, data: error.data }))
    })
    socket.on('connected', (payload: unknown) => {
      const socketId = socket.id
      finish(() => resolve({ kind: 'connected', payload, socketId }))
    })
  })
}

function expectConnectError(
  name: string,
  token: (target: ConformanceTarget) => string | undefined,
  message: string,
): ConformanceCase {
  return {
    name,
    plugin: 'realtime',
    async run(url, target) {
      const value = token(target)
      const outcome = await handshake(url, value === undefined ? {} : { token: value }, timeout(target))
      check(outcome.kind === 'connect_error', 'the handshake was accepted')
      check(
        outcome.message === message,
        `connect_error message ${JSON.stringify(outcome.message)}, expected ${JSON.stringify(message)}`,
      )
    },
  }
}

function validToken(target: ConformanceTarget): string {
  if (target.token) return target.token
  if (target.sign)
    return target.sign(
      { userId: 'conformance-user', sessionId: 'conformance-session', expiresIn: 300 },
      'realtime',
    )
  throw new CaseSkipped('needs --token or --secret')
}

// ---------------------------------------------------------------------------------------
// realtime events (WIRE.md's table; the extensions are checked where the target has them)

/** A connected socket of a case, with everything it received. */
interface RealtimeCaseSocket {
  /** The socket's id. */
  id: string | undefined
  /** `[event, payload]` in order of arrival. */
  received: Array<[string, unknown]>
  /** The first `event` matching, already received or within the case's timeout. */
  waitFor(event: string, match?: (payload: unknown) => boolean): Promise<unknown>
  /** Emits with an ack; `undefined` when none comes within the timeout. */
  ack(event: string, payload: unknown): Promise<unknown>
  /** Emits without an ack. */
  send(event: string, payload: unknown): void
  close(): void
}

/** Connects with `token` and resolves once the server sent `connected`. */
async function realtimeSocket(url: string, token: string, ms: number): Promise<RealtimeCaseSocket> {
  const socket = io(url, {
    auth: { token },
    reconnection: false,
    forceNew: true,
    timeout: ms,
    transports: ['websocket'],
  })
  const received: Array<[string, unknown]> = []
  const waiters = new Set<() => void>()
  socket.onAny((event: string, payload: unknown) => {
    received.push([event, payload])
    for (const waiter of waiters) waiter()
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ContractViolation(`no connected within ${ms} ms`)), ms)
    socket.once('connected', () => {
      clearTimeout(timer)
      resolve()
    })
    socket.once('connect_error', (error) => {
      clearTimeout(timer)
      reject(new ContractViolation(`connect_error ${error.message}`))
    })
  }).catch((error: unknown) => {
    socket.close()
    throw error
  })
  return {
    id: socket.id,
    received,
    waitFor(event, match = () => true) {
      const find = () => received.find(([e, p]) => e === event && match(p))
      const found = find()
      if (found) return Promise.resolve(found[1])
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new ContractViolation(`no ${event} within ${ms} ms`))
        }, ms)
        const waiter = () => {
          const hit = find()
          if (!hit) return
          clearTimeout(timer)
          waiters.delete(waiter)
          resolve(hit[1])
        }
        waiters.add(waiter)
      })
    },
    ack: (event, payload) =>
      socket
        .timeout(ms)
        .emitWithAck(event, payload)
        .catch(() => undefined),
    send: (event, payload) => {
      socket.emit(event, payload)
    },
    close: () => {
      socket.close()
    },
  }
}

/** Two tokens: two users when the target can sign, else the one token twice (two sockets). */
function realtimeTokens(target: ConformanceTarget): [string, string] {
  if (target.sign) {
    const suffix = Math.random().toString(36).slice(2, 8)
    return [
      target.sign({ userId: `conformance-a-${suffix}`, expiresIn: 300 }, 'realtime'),
      target.sign({ userId: `conformance-b-${suffix}`, expiresIn: 300 }, 'realtime'),
    ]
  }
  const token = validToken(target)
  return [token, token]
}

/** The room every realtime case uses (the real plugin needs it to exist beforehand). */
const CONFORMANCE_ROOM = 'nself-conformance'

/** Connects two sockets and joins both to the conformance room; skips when the room does not exist. */
async function realtimePair(
  url: string,
  target: ConformanceTarget,
): Promise<{ a: RealtimeCaseSocket; b: RealtimeCaseSocket; joinAck: unknown; close(): void }> {
  const [ta, tb] = realtimeTokens(target)
  const a = await realtimeSocket(url, ta, timeout(target))
  const b = await realtimeSocket(url, tb, timeout(target)).catch((error: unknown) => {
    a.close()
    throw error
  })
  const close = () => {
    a.close()
    b.close()
  }
  try {
    const joinAck = (await a.ack('room:join', { roomName: CONFORMANCE_ROOM })) as AckShape | undefined
    if (joinAck?.error?.code === 'ROOM_NOT_FOUND') {
      throw new CaseSkipped(`create the room ${JSON.stringify(CONFORMANCE_ROOM)} on the deployment first`)
    }
    check(joinAck !== undefined, 'room:join got no ack')
    await b.ack('room:join', { roomName: CONFORMANCE_ROOM })
    return { a, b, joinAck, close }
  } catch (error) {
    close()
    throw error
  }
}

interface AckShape {
  success?: unknown
  data?: unknown
  error?: { code?: unknown; message?: unknown }
}

function realtimeCase(name: string, run: ConformanceCase['run']): ConformanceCase {
  return { name: `realtime: ${name}`, plugin: 'realtime', run }
}

export const REALTIME_CASES: readonly ConformanceCase[] = [
  realtimeCase('room:join acks { success: true, data: { roomName, memberCount } }', async (url, target) => {
    const pair = await realtimePair(url, target)
    try {
      const parsed = ackSchema(RoomJoinAckDataSchema).safeParse(pair.joinAck)
      check(parsed.success && parsed.data.success === true, `ack ${JSON.stringify(pair.joinAck)}`)
      check(parsed.data.data?.roomName === CONFORMANCE_ROOM, `roomName ${parsed.data.data?.roomName}`)
      check((parsed.data.data?.memberCount ?? 0) >= 1, `memberCount ${parsed.data.data?.memberCount}`)
    } finally {
      pair.close()
    }
  }),
  realtimeCase(
    'message:send → message:new to the whole room, sender included (extension: id, echoed clientMessageId, de-duplicated resend)',
    async (url, target) => {
      const pair = await realtimePair(url, target)
      try {
        const clientMessageId = `conformance-${Math.random().toString(36).slice(2)}`
        const content = `hello ${clientMessageId}`
        const ack = (await pair.a.ack('message:send', {
          roomName: CONFORMANCE_ROOM,
          content,
          clientMessageId,
        })) as AckShape | undefined
        check(ack?.success === true, `ack ${JSON.stringify(ack)}`)
        const mine = (p: unknown) => (p as { content?: unknown }).content === content
        const forB = await pair.b.waitFor('message:new', mine)
        const forA = await pair.a.waitFor('message:new', mine)
        for (const payload of [forA, forB]) {
          check(MessageNewSchema.safeParse(payload).success, `message:new ${JSON.stringify(payload)}`)
        }
        const data = MessageSendAckDataSchema.safeParse(ack.data)
        if (!data.success) return // the real plugin acks `{ success: true }` only: no ids to check
        const message = MessageNewSchema.parse(forB)
        check(message.id === data.data.id, `message:new id ${message.id}, ack id ${data.data.id}`)
        check(message.clientMessageId === clientMessageId, `clientMessageId ${message.clientMessageId}`)
        const resend = await pair.a.ack('message:send', {
          roomName: CONFORMANCE_ROOM,
          content,
          clientMessageId,
        })
        check(JSON.stringify(resend) === JSON.stringify(ack), `resend acked ${JSON.stringify(resend)}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
        const copies = pair.b.received.filter(([e, p]) => e === 'message:new' && mine(p)).length
        check(copies === 1, `the resend was delivered again (${copies} copies)`)
      } finally {
        pair.close()
      }
    },
  ),
  realtimeCase(
    'typing:start → typing:event with the typist to the other sockets of the room',
    async (url, target) => {
      const pair = await realtimePair(url, target)
      try {
        pair.a.send('typing:start', { roomName: CONFORMANCE_ROOM })
        const event = await pair.b.waitFor(
          'typing:event',
          (p) => (p as { users?: unknown[] }).users?.length !== 0,
        )
        const parsed = TypingEventSchema.safeParse(event)
        check(parsed.success, `typing:event ${JSON.stringify(event)}`)
        check(parsed.data.roomName === CONFORMANCE_ROOM, `roomName ${parsed.data.roomName}`)
        check(!('threadId' in parsed.data), 'threadId present for the room itself')
        pair.a.send('typing:stop', { roomName: CONFORMANCE_ROOM })
        await new Promise((resolve) => setTimeout(resolve, 100))
        check(
          !pair.a.received.some(([e]) => e === 'typing:event'),
          'the typing socket heard its own typing:event',
        )
      } finally {
        pair.close()
      }
    },
  ),
  realtimeCase(
    'presence:update → presence:changed to every socket, custom status flattened to strings',
    async (url, target) => {
      const pair = await realtimePair(url, target)
      try {
        const text = `conformance ${Math.random().toString(36).slice(2)}`
        pair.a.send('presence:update', { status: 'busy', customStatus: { text, emoji: '🧪' } })
        const match = (p: unknown) => (p as { customStatus?: unknown }).customStatus === text
        const seen = await pair.b.waitFor('presence:changed', match)
        const parsed = PresenceChangedSchema.safeParse(seen)
        check(parsed.success, `presence:changed ${JSON.stringify(seen)}`)
        check(parsed.data.status === 'busy' && parsed.data.customEmoji === '🧪', JSON.stringify(seen))
        await pair.a.waitFor('presence:changed', match)
        pair.a.send('presence:update', { status: 'online' })
      } finally {
        pair.close()
      }
    },
  ),
  realtimeCase('(extension) presence:get acks the presence of each user asked for', async (url, target) => {
    const pair = await realtimePair(url, target)
    try {
      const ack = await pair.a.ack('presence:get', { userIds: ['nself-conformance-nobody'] })
      if (ack === undefined) throw new CaseSkipped('no ack: the deployment has no presence:get')
      const parsed = ackSchema(PresenceGetAckDataSchema).safeParse(ack)
      check(parsed.success && parsed.data.success, `ack ${JSON.stringify(ack)}`)
      check(
        JSON.stringify(parsed.data.data?.presences) ===
          JSON.stringify([{ userId: 'nself-conformance-nobody', status: 'offline' }]),
        `presences ${JSON.stringify(parsed.data.data?.presences)}`,
      )
    } finally {
      pair.close()
    }
  }),
  realtimeCase(
    '(extension) a malformed payload or an unknown event gets a typed ack error and the socket stays usable',
    async (url, target) => {
      const pair = await realtimePair(url, target)
      try {
        const bad = (await pair.a.ack('message:send', { roomName: CONFORMANCE_ROOM, content: 42 })) as
          | AckShape
          | undefined
        if (bad === undefined)
          throw new CaseSkipped('no ack: the deployment does not answer malformed payloads')
        check(bad.success === false && bad.error?.code === 'VALIDATION_FAILED', `ack ${JSON.stringify(bad)}`)
        const unknown = (await pair.a.ack('conformance:unknown', {})) as AckShape | undefined
        check(
          unknown?.success === false && unknown.error?.code === 'BAD_REQUEST',
          `ack ${JSON.stringify(unknown)}`,
        )
        const ok = (await pair.a.ack('room:join', { roomName: CONFORMANCE_ROOM })) as AckShape | undefined
        check(ok?.success === true, 'the socket no longer works after bad input')
      } finally {
        pair.close()
      }
    },
  ),
]

/** Every case, in the order they run. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  healthCase('realtime'),
  healthCase('notifications'),
  healthCase('jobs'),
  healthCase('files'),
  healthCase('idme'),
  expectConnectError(
    'realtime: handshake without a token → connect_error "Authentication required"',
    () => undefined,
    REALTIME_CONNECT_ERRORS.authenticationRequired,
  ),
  expectConnectError(
    'realtime: handshake with a garbage token → connect_error "Invalid token"',
    () => 'not-a-jwt',
    REALTIME_CONNECT_ERRORS.invalidToken,
  ),
  expectConnectError(
    'realtime: handshake with a token signed by another secret → connect_error "Invalid token"',
    () =>
      // HS256 over {"userId":"mallory"} with the secret "wrong-secret".
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VySWQiOiJtYWxsb3J5Iiwic2Vzc2lvbklkIjoieCJ9.vXo-CHusTQEP1gUtaCwFA1BCOrEHb_2fnOJspKnVWVg',
    REALTIME_CONNECT_ERRORS.invalidToken,
  ),
  expectConnectError(
    'realtime: handshake with an expired token → connect_error "Invalid token"',
    (target) => {
      if (!target.sign) throw new CaseSkipped('needs --secret')
      return target.sign(
        { userId: 'conformance-user', sessionId: 'conformance-session', expiresIn: -60 },
        'realtime',
      )
    },
    REALTIME_CONNECT_ERRORS.invalidToken,
  ),
  {
    name: 'realtime: handshake with a valid token → connected { socketId, serverTime, protocolVersion: "1.0" }',
    plugin: 'realtime',
    async run(url, target) {
      const outcome = await handshake(url, { token: validToken(target) }, timeout(target))
      check(
        outcome.kind === 'connected',
        `rejected: ${outcome.kind === 'connect_error' ? outcome.message : ''}`,
      )
      const parsed = ConnectedSchema.safeParse(outcome.payload)
      check(
        parsed.success,
        `connected payload ${JSON.stringify(outcome.payload)} does not match ConnectedSchema`,
      )
      const connected: Connected = parsed.data
      check(
        connected.socketId === outcome.socketId,
        `socketId ${connected.socketId} is not the socket's id ${outcome.socketId}`,
      )
      check(
        !Number.isNaN(Date.parse(connected.serverTime)),
        `serverTime ${connected.serverTime} is not ISO-8601`,
      )
    },
  },
  ...REALTIME_CASES,
]

/** Runs one case against `target`; never throws. */
export async function runCase(testCase: ConformanceCase, target: ConformanceTarget): Promise<CaseResult> {
  const url = target.urls[testCase.plugin]
  const base = { name: testCase.name, plugin: testCase.plugin }
  if (url === undefined) return { ...base, status: 'skipped', ms: 0, reason: `no ${testCase.plugin} URL` }
  const started = performance.now()
  const ms = () => Math.round(performance.now() - started)
  try {
    await testCase.run(url, target)
    return { ...base, status: 'passed', ms: ms() }
  } catch (error) {
    if (error instanceof CaseSkipped) return { ...base, status: 'skipped', ms: ms(), reason: error.message }
    const reason =
      error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
        : String(error)
    return { ...base, status: 'failed', ms: ms(), reason }
  }
}

/** Runs the cases of every plugin with a URL in `target`, in order. */
export async function runConformance(
  target: ConformanceTarget,
  onResult: (result: CaseResult) => void = () => {},
): Promise<{ results: CaseResult[]; passed: number; failed: number }> {
  const results: CaseResult[] = []
  for (const testCase of CONFORMANCE_CASES) {
    if (target.urls[testCase.plugin] === undefined) continue
    const result = await runCase(testCase, target)
    results.push(result)
    onResult(result)
  }
  return {
    results,
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
  }
}

/** One line for a result, as the runner prints it. */
export function formatResult(result: CaseResult): string {
  if (result.status === 'passed') return `✓ ${result.name} (${result.ms} ms)`
  if (result.status === 'skipped') return `- ${result.name} (skipped: ${result.reason})`
  return `✗ ${result.name} — ${result.reason}`
}
