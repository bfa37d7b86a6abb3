import { fetchHealth, type HealthOptions, type PluginHealth } from '@nself/client-core'

/** Reads the realtime plugin's `GET /health` (no retries; rejects with an `NselfError` when down). */
export function getRealtimeHealth(options?: HealthOptions): Promise<PluginHealth['realtime']> {
  return fetchHealth('realtime', options)
}
