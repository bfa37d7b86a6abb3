import { fetchHealth, type HealthOptions, type PluginHealth } from '@nself/client-core'

/** Reads the jobs plugin's `GET /health` (no retries; rejects with an `NselfError` when down). */
export function getJobsHealth(options?: HealthOptions): Promise<PluginHealth['jobs']> {
  return fetchHealth('jobs', options)
}
