import type { PluginName } from '@nself/contracts'
import { type DevTokenClaims, signDevToken } from './auth/jwt'
import { createJobsServer, type JobsServer, type JobsServerOptions } from './plugins/jobs/server'
import { type PluginServers, type StartStubsOptions, startStubs } from './start-stubs'

/** The fixed secret of {@link startTestStubs} servers. Never use it outside tests. */
export const TEST_JWT_SECRET = 'nself-test-secret-0123456789abcdef'

/** Running test servers. */
export interface TestStubs<P extends PluginName = PluginName> {
  /** Base URL of each started plugin. */
  readonly urls: Record<P, string>
  /** The servers themselves (e.g. `servers.realtime.io`). */
  readonly servers: Pick<PluginServers, P>
  /** The secret the servers verify tokens with ({@link TEST_JWT_SECRET} unless overridden). */
  readonly secret: string
  /**
   * Signs a token for `userId` that these servers accept. Synchronous. `extra` may set
   * `sessionId`, `role` (`service` to act for any user) and `expiresIn` (default `1h`;
   * negative for an expired token).
   */
  token(userId: string, extra?: Omit<DevTokenClaims, 'userId'>): string
  /** Stops every server. */
  close(): Promise<void>
}

/**
 * Starts `plugins` (default: all five) on free ports, with {@link TEST_JWT_SECRET}, silent
 * logs and an empty environment (so the caller's `REALTIME_*` variables cannot leak in), for
 * integration tests of the client packages:
 *
 * ```ts
 * const stubs = await startTestStubs(['realtime'])
 * const socket = io(stubs.urls.realtime, { auth: { token: stubs.token('alice') } })
 * afterAll(() => stubs.close())
 * ```
 */
export async function startTestStubs<P extends PluginName = PluginName>(
  plugins?: readonly P[],
  options: Omit<StartStubsOptions<P>, 'plugins' | 'ports'> = {},
): Promise<TestStubs<P>> {
  const secret = options.jwtSecret ?? TEST_JWT_SECRET
  const ports: Partial<Record<PluginName, number>> = {}
  for (const plugin of plugins ?? ['realtime', 'notifications', 'jobs', 'files', 'idme']) ports[plugin] = 0
  const running = await startStubs<P>({
    logger: false,
    env: { NODE_ENV: 'test' },
    host: '127.0.0.1',
    ...options,
    jwtSecret: secret,
    ...(plugins ? { plugins } : {}),
    ports,
  })
  return {
    urls: running.urls,
    servers: running.servers,
    secret,
    token: (userId, extra = {}) => signDevToken({ ...extra, userId }, secret),
    close: () => running.close(),
  }
}

/**
 * A jobs server for tests: a free port, {@link TEST_JWT_SECRET}, silent, in memory, no default
 * schedules and no notifications plugin behind it; `options` override any of these.
 */
export function startTestJobsServer(options: JobsServerOptions = {}): Promise<JobsServer> {
  return createJobsServer({
    port: 0,
    jwtSecret: TEST_JWT_SECRET,
    logger: false,
    env: { NODE_ENV: 'test' },
    backend: 'memory',
    notificationsUrl: null,
    defaultSchedules: false,
    ...options,
  })
}
