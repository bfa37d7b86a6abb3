import { fetchHealth, type HealthOptions, type PluginHealth } from '@nself/client-core'

/** Reads the notifications plugin's `GET /health` (no retries; rejects with an `NselfError` when down). */
export function getNotificationsHealth(options?: HealthOptions): Promise<PluginHealth['notifications']> {
  return fetchHealth('notifications', options)
}
