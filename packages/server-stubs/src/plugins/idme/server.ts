import type { IdmeHealth } from '@nself/contracts/idme'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'

/** Options of {@link createIdmeServer}. */
export type IdmeServerOptions = StubServerOptions

/** A running idme server. */
export type IdmeServer = StubServer<'idme'>

/**
 * Starts the idme plugin: `GET /health` (`{ status: "ok", service: "idme-plugin" }`),
 * `GET /metrics`.
 */
export function createIdmeServer(options: IdmeServerOptions = {}): Promise<IdmeServer> {
  return createPluginServer('idme', options, () => ({
    health: (): IdmeHealth => ({ status: 'ok', service: 'idme-plugin' }),
    extra: {},
  }))
}
