import { HEALTH_SCHEMAS, type PluginName } from '@nself/contracts'
import type * as z from 'zod/mini'
import { HttpClient, type ResponseSchema } from './http-client'

/** The `GET /health` body of each plugin, in the real plugin's shape. */
export type PluginHealth = { [P in PluginName]: z.infer<(typeof HEALTH_SCHEMAS)[P]> }

/** Options for {@link fetchHealth} and the packages' `get…Health` functions. */
export interface HealthOptions {
  /** The plugin's base URL; defaults as every SDK call does (provider, `NEXT_PUBLIC_*`, local port). */
  baseUrl?: string
  /** Cancels the check. */
  signal?: AbortSignal
  /** Give up after this many ms. Default 5 000. */
  timeoutMs?: number
  /** `fetch` to use. */
  fetch?: typeof fetch
}

/**
 * Reads a plugin's `GET /health` once, without retries (a health check reports, it does not
 * insist). Rejects with an `NselfError` when the plugin is unreachable or unhealthy.
 */
export function fetchHealth<P extends PluginName>(
  plugin: P,
  options: HealthOptions = {},
): Promise<PluginHealth[P]> {
  const { signal, timeoutMs = 5_000, ...client } = options
  return new HttpClient({ plugin, ...client }).request<PluginHealth[P]>({
    path: '/health',
    retry: false,
    timeoutMs,
    ...(signal ? { signal } : {}),
    ...(process.env.NODE_ENV !== 'production'
      ? { schema: HEALTH_SCHEMAS[plugin] as unknown as ResponseSchema<PluginHealth[P]> }
      : {}),
  })
}
