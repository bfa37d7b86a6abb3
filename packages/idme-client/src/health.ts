import { fetchHealth, type HealthOptions, type PluginHealth } from '@nself/client-core'

/** Reads the idme plugin's `GET /health` (no retries; rejects with an `NselfError` when down). */
export function getIdmeHealth(options?: HealthOptions): Promise<PluginHealth['idme']> {
  return fetchHealth('idme', options)
}
