import { HEALTH_SCHEMAS, type PluginName } from '@nself/contracts'
import type * as z from 'zod/mini'
import { getNselfConfig, resolveBaseUrl } from './config'
import { errorFromResponse, NselfError, toNselfError } from './errors'

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
  /** `fetch` to use. Default: the configured one, else the global `fetch`. */
  fetch?: typeof fetch
}

/**
 * Reads a plugin's `GET /health` once, without retries (a health check reports, it does not
 * insist). Rejects with an `NselfError` when the plugin is unreachable or unhealthy. Plain
 * `fetch`, not `HttpClient`: `/health` needs no token, retry or idempotency key, and a package
 * whose other calls go over a socket or the app's own routes should not pay for the transport.
 */
export async function fetchHealth<P extends PluginName>(
  plugin: P,
  options: HealthOptions = {},
): Promise<PluginHealth[P]> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  let res: Response
  try {
    res = await (options.fetch ?? getNselfConfig().fetch ?? fetch)(
      `${resolveBaseUrl(plugin, options.baseUrl)}/health`,
      { headers: { accept: 'application/json' }, signal },
    )
  } catch (error) {
    throw timeout.aborted && !options.signal?.aborted
      ? new NselfError('TIMEOUT', `${plugin}: GET /health timed out`, { cause: error })
      : toNselfError(error)
  }
  const body: unknown = await res.json().catch(() => undefined)
  if (!res.ok) throw errorFromResponse(res.status, body)
  if (process.env.NODE_ENV !== 'production' && !HEALTH_SCHEMAS[plugin].safeParse(body).success) {
    throw new NselfError('INVALID_RESPONSE', `${plugin}: GET /health does not match the contract`, {
      retryable: false,
    })
  }
  return body as PluginHealth[P]
}
