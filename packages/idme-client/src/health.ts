import {
  errorFromResponse,
  getNselfConfig,
  type HealthOptions,
  NselfError,
  type PluginHealth,
  resolveBaseUrl,
  toNselfError,
} from '@nself/client-core'
import { IdmeHealthSchema } from '@nself/contracts/idme'

/**
 * Reads the idme plugin's `GET /health` once (no retries; rejects with an `NselfError` when
 * down). Plain `fetch` rather than client-core's `HttpClient`: the browser part of this package
 * otherwise talks only to the app's own routes, and the transport would double its size.
 */
export async function getIdmeHealth(options: HealthOptions = {}): Promise<PluginHealth['idme']> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  let res: Response
  try {
    res = await (options.fetch ?? getNselfConfig().fetch ?? fetch)(
      `${resolveBaseUrl('idme', options.baseUrl)}/health`,
      {
        headers: { accept: 'application/json' },
        signal,
      },
    )
  } catch (error) {
    throw timeout.aborted && !options.signal?.aborted
      ? new NselfError('TIMEOUT', 'GET /health timed out', { cause: error })
      : toNselfError(error)
  }
  const body: unknown = await res.json().catch(() => undefined)
  if (!res.ok) throw errorFromResponse(res.status, body)
  if (process.env.NODE_ENV !== 'production' && !IdmeHealthSchema.safeParse(body).success) {
    throw new NselfError('INVALID_RESPONSE', 'GET /health: the response does not match the contract', {
      retryable: false,
    })
  }
  return body as PluginHealth['idme']
}
