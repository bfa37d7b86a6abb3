import type { JobsHealth } from '@nself/contracts/jobs'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'

/** Options of {@link createJobsServer}. */
export type JobsServerOptions = StubServerOptions

/** A running jobs server. */
export type JobsServer = StubServer<'jobs'>

/**
 * Starts the jobs plugin (the Go API's `/v1/...` routes, snake_case fields):
 * `GET /health` (exactly `{ status: "ok" }`), `GET /metrics`.
 */
export function createJobsServer(options: JobsServerOptions = {}): Promise<JobsServer> {
  return createPluginServer('jobs', options, () => ({
    health: (): JobsHealth => ({ status: 'ok' }),
    extra: {},
  }))
}
