import type { NotificationsHealth } from '@nself/contracts/notifications'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'

/** Options of {@link createNotificationsServer}. */
export type NotificationsServerOptions = StubServerOptions

/** A running notifications server. */
export type NotificationsServer = StubServer<'notifications'>

/**
 * Starts the notifications plugin (the Go API's `/v1/...` routes, snake_case fields):
 * `GET /health`, `GET /metrics`.
 */
export function createNotificationsServer(
  options: NotificationsServerOptions = {},
): Promise<NotificationsServer> {
  return createPluginServer('notifications', options, () => ({
    health: (): NotificationsHealth => ({
      status: 'ok',
      service: 'notifications',
      timestamp: new Date().toISOString(),
    }),
    extra: {},
  }))
}
