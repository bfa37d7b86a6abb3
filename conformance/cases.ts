/**
 * Contract cases for the nself plugins, run against base URLs: the reference servers
 * (`@nself/server-stubs`) or any real deployment. Used by `npm run conformance` and by the
 * stubs' own tests, so both check the same thing.
 */
import { HEALTH_SCHEMAS, type PluginName } from '@nself/contracts'
import { type Connected, ConnectedSchema, REALTIME_CONNECT_ERRORS } from '@nself/contracts/realtime'
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
