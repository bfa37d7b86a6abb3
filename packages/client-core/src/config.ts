import type { PluginName } from '@nself/contracts'
import { DEFAULT_PORTS } from '@nself/contracts'
import { NselfError } from './errors'
import type { RetryOptions } from './retry'

/** What {@link TokenProvider} is told on each call. */
export interface TokenRequest {
  /** `true` after the server answered 401 with the last token: fetch a fresh one. */
  forceRefresh: boolean
  /** Aborted when the request that needs the token is cancelled. */
  signal?: AbortSignal | undefined
}

/**
 * Returns the current access token (a JWT whose `userId` claim is the signed-in user), or
 * `null` when signed out. Called before every request and every socket (re)connect, so it
 * should return a cached token and refresh only when asked to or when it is near expiry.
 */
export type TokenProvider = (
  request: TokenRequest,
) => string | null | undefined | Promise<string | null | undefined>

/** Configuration shared by every nself SDK. Set once with `NselfProvider` or {@link configureNself}. */
export interface NselfConfig {
  /**
   * Base URL of each plugin, e.g. `{ realtime: 'https://rt.example.com' }`. Defaults to the
   * seeds' `NEXT_PUBLIC_*_URL` variables, then (outside production) the plugin's local port.
   */
  urls?: Partial<Record<PluginName, string>>
  /** Supplies the access token. Without it requests are sent without `Authorization`. */
  getToken?: TokenProvider
  /** `fetch` to use (tests, instrumentation, Next.js `fetch` options). Default: global `fetch`. */
  fetch?: typeof fetch
  /** Retry policy for safe-to-repeat failures. `false` disables retries. */
  retry?: RetryOptions | false
  /** Per-request timeout in ms. Default 30 000. */
  timeoutMs?: number
  /** Extra headers on every request. */
  headers?: Record<string, string>
  /** Tenant, sent as `X-App-Name` (the plugins default to `primary`). */
  appName?: string
}

let globalConfig: NselfConfig = {}

/**
 * Sets the configuration that SDK objects created without options fall back to
 * (`new NotificationService()`). `NselfProvider` calls this in the browser.
 */
export function configureNself(config: NselfConfig): void {
  globalConfig = config
}

/** The configuration set by {@link configureNself} (or `NselfProvider`). */
export function getNselfConfig(): NselfConfig {
  return globalConfig
}

// Each read is a literal `process.env.NEXT_PUBLIC_…` so Next.js (and any bundler that defines
// them) inlines the value; the try/catch covers runtimes with no `process` at all.
function envUrl(plugin: PluginName): string | undefined {
  try {
    return (
      {
        realtime: process.env.NEXT_PUBLIC_REALTIME_URL,
        notifications: process.env.NEXT_PUBLIC_NOTIFICATIONS_URL,
        jobs: process.env.NEXT_PUBLIC_JOBS_URL,
        files: process.env.NEXT_PUBLIC_FILE_PROCESSING_URL,
        idme: process.env.NEXT_PUBLIC_IDME_URL,
      }[plugin] || undefined
    )
  } catch {
    return undefined
  }
}

/**
 * The base URL for `plugin`: the explicit one, else the configured one, else the seeds'
 * environment variable, else (outside production) `http://localhost:<seed port>`.
 * @throws {NselfError} `NOT_CONFIGURED` in production when none is set.
 */
export function resolveBaseUrl(
  plugin: PluginName,
  explicit?: string,
  config: NselfConfig = globalConfig,
): string {
  const url = explicit ?? config.urls?.[plugin] ?? envUrl(plugin)
  if (url) return url.replace(/\/+$/, '')
  // A literal `process.env.NODE_ENV` test, so production bundles drop the local fallback (and
  // DEFAULT_PORTS); the catch keeps a runtime with no `process` at all in development.
  try {
    if (process.env.NODE_ENV !== 'production') return localUrl(plugin)
  } catch {
    return localUrl(plugin)
  }
  throw new NselfError(
    'NOT_CONFIGURED',
    `No URL for the ${plugin} plugin: pass one, configure NselfProvider, or set its NEXT_PUBLIC_* variable`,
  )
}

function localUrl(plugin: PluginName): string {
  return `http://localhost:${DEFAULT_PORTS[plugin]}`
}

/** `value` without its `undefined` properties, so spreading it overrides only what is set. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
