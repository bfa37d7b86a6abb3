import { fetchHealth, type HealthOptions, type PluginHealth } from '@nself/client-core'

/** Reads the files plugin's `GET /health` (no retries; rejects with an `NselfError` when down). */
export function getFilesHealth(options?: HealthOptions): Promise<PluginHealth['files']> {
  return fetchHealth('files', options)
}
