import { abortedError } from './errors'

/** How a call is retried. Only failures that are safe to repeat are retried. */
export interface RetryOptions {
  /** Attempts after the first one. `0` disables retries. Default 3. */
  retries?: number
  /** Delay before the first retry, in ms; doubles each time. Default 300. */
  baseDelayMs?: number
  /** Upper bound for one delay, in ms (also caps `Retry-After`). Default 30 000. */
  maxDelayMs?: number
}

/** The defaults every SDK uses unless configured otherwise. */
export const DEFAULT_RETRY: Required<RetryOptions> = { retries: 3, baseDelayMs: 300, maxDelayMs: 30_000 }

/**
 * Delay before retry number `attempt` (0-based): exponential with "full jitter", so many
 * clients that failed together do not come back together.
 */
export function backoffDelay(
  attempt: number,
  options: RetryOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs
  const cap = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs
  const ceiling = Math.min(cap, base * 2 ** attempt)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Resolves after `ms`, or rejects with `ABORTED` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal.reason))
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortedError(signal?.reason))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
