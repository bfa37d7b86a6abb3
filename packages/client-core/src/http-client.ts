import type { PluginName } from '@nself/contracts'
import { APP_NAME_HEADER } from '@nself/contracts'
import { definedOnly, getNselfConfig, type NselfConfig, resolveBaseUrl, type TokenProvider } from './config'
import { errorFromResponse, isAbortError, messageOf, NselfError, toNselfError } from './errors'
import { randomId } from './ids'
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryOptions, sleep } from './retry'
import { combineSignals } from './signals'

/** HTTP methods the SDKs use. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** Anything with a zod-style `safeParse`: the contracts' schemas fit. */
export interface ResponseSchema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: unknown }
}

/** Options for {@link HttpClient}. Anything unset falls back to the global {@link NselfConfig}. */
export interface HttpClientOptions extends NselfConfig {
  /** Which plugin this client talks to; picks the default base URL. */
  plugin: PluginName
  /** Base URL of that plugin; overrides `urls[plugin]`. */
  baseUrl?: string
}

/** One request. */
export interface RequestOptions<T> {
  /** Default `GET`. */
  method?: HttpMethod
  /** Path below the base URL, starting with `/`. */
  path: string
  /** Query parameters; `undefined` and `null` values are left out. */
  query?: Record<string, string | number | boolean | null | undefined>
  /** JSON body. */
  body?: unknown
  /** Contract schema of the response body, checked outside production. */
  schema?: ResponseSchema<T>
  /** Cancels the request, its retries and its backoff waits. */
  signal?: AbortSignal
  /**
   * `Idempotency-Key` for mutations: generated once per call and reused by its retries, so a
   * retry never doubles an effect. Pass your own to de-duplicate across calls; `false` omits it.
   */
  idempotencyKey?: string | false
  /** Retry policy for this call; `false` disables retries. */
  retry?: RetryOptions | false
  /** Extra headers for this call. */
  headers?: Record<string, string>
  /** Per-attempt timeout in ms; overrides the client's. */
  timeoutMs?: number
}

/**
 * The HTTP transport every nself SDK uses: base URL and token resolution per request, one
 * refresh-and-retry on 401, jittered exponential backoff for network errors, 5xx and 429
 * (honouring `Retry-After`), idempotency keys on mutations, timeouts and `AbortSignal`.
 * Errors are always {@link NselfError}.
 */
export class HttpClient {
  readonly #options: HttpClientOptions

  constructor(options: HttpClientOptions) {
    this.#options = options
  }

  /** The resolved base URL (read at call time, so `configureNself` later still applies). */
  get baseUrl(): string {
    return resolveBaseUrl(this.#options.plugin, this.#options.baseUrl, this.#config())
  }

  /** The effective configuration: this client's options over the global configuration. */
  #config(): NselfConfig {
    const global = getNselfConfig()
    return { ...global, ...definedOnly(this.#options), urls: { ...global.urls, ...this.#options.urls } }
  }

  /** Resolves the token for a request; `null` when there is none. */
  async token(forceRefresh = false, signal?: AbortSignal): Promise<string | null> {
    const getToken: TokenProvider | undefined = this.#config().getToken
    if (!getToken) return null
    try {
      return (await getToken({ forceRefresh, signal })) ?? null
    } catch (error) {
      throw new NselfError('UNAUTHENTICATED', 'getToken failed', { cause: error, retryable: false })
    }
  }

  /** Builds the absolute URL for `path` and `query`. */
  url(path: string, query?: RequestOptions<unknown>['query']): string {
    const url = new URL(this.baseUrl + path)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value))
    }
    return url.toString()
  }

  /** Sends one request (with retries) and returns the parsed body. */
  async request<T>(options: RequestOptions<T>): Promise<T> {
    const config = this.#config()
    const method = options.method ?? 'GET'
    const retry = options.retry ?? config.retry ?? DEFAULT_RETRY
    // `false` is a policy of no retries; the delays below are only reached with retries left.
    const policy: RetryOptions = retry === false ? { retries: 0 } : retry
    const retries = policy.retries ?? DEFAULT_RETRY.retries
    // Every HttpMethod but GET is a mutation.
    const idempotencyKey =
      options.idempotencyKey === false
        ? undefined
        : (options.idempotencyKey ?? (method === 'GET' ? undefined : randomId()))
    let refreshed = false
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#attempt(options, config, method, idempotencyKey, refreshed)
      } catch (raw) {
        const error = toNselfError(raw)
        if (error.status === 401 && !refreshed && config.getToken) {
          refreshed = true
          attempt--
          continue
        }
        if (!error.retryable || attempt >= retries || options.signal?.aborted) throw error
        const wait =
          error.retryAfterMs !== undefined
            ? Math.min(error.retryAfterMs, policy.maxDelayMs || DEFAULT_RETRY.maxDelayMs)
            : backoffDelay(attempt, policy)
        await sleep(wait, options.signal)
      }
    }
  }

  async #attempt<T>(
    options: RequestOptions<T>,
    config: NselfConfig,
    method: HttpMethod,
    idempotencyKey: string | undefined,
    forceRefresh: boolean,
  ): Promise<T> {
    const { signal, timedOut, dispose } = combineSignals(
      [options.signal],
      options.timeoutMs ?? config.timeoutMs ?? 30_000,
    )
    try {
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...config.headers,
        ...options.headers,
      }
      const token = await this.token(forceRefresh, signal)
      if (token) headers.authorization = `Bearer ${token}`
      if (config.appName) headers[APP_NAME_HEADER] = config.appName
      if (idempotencyKey) headers['idempotency-key'] = idempotencyKey
      let body: string | undefined
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json'
        body = JSON.stringify(options.body)
      }
      const doFetch = config.fetch ?? globalThis.fetch
      let response: Response
      try {
        response = await doFetch(this.url(options.path, options.query), { method, headers, body, signal })
      } catch (error) {
        if (timedOut())
          throw new NselfError('TIMEOUT', `${method} ${options.path} timed out`, { cause: error })
        if (isAbortError(error) || options.signal?.aborted) throw toNselfError(error)
        throw new NselfError('NETWORK_ERROR', `${method} ${options.path} failed: ${messageOf(error)}`, {
          cause: error,
        })
      }
      const data = await readBody(response)
      if (!response.ok) {
        throw errorFromResponse(response.status, data, parseRetryAfter(response.headers.get('retry-after')))
      }
      if (process.env.NODE_ENV !== 'production' && options.schema) {
        const result = options.schema.safeParse(data)
        if (!result.success) {
          throw new NselfError(
            'INVALID_RESPONSE',
            `${method} ${options.path}: the response does not match the contract`,
            {
              cause: result.error,
              retryable: false,
            },
          )
        }
        return result.data
      }
      return data as T
    } finally {
      dispose()
    }
  }
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined
  const text = await response.text()
  if (!text) return undefined
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new NselfError('INVALID_RESPONSE', 'The response is not valid JSON', {
        cause: error,
        status: response.status,
      })
    }
  }
  return text
}
