/**
 * A token bucket: `perSecond` events a second on average, bursts up to `perSecond`. `0`
 * means unlimited.
 */
export class RateLimiter {
  readonly #perSecond: number
  #tokens: number
  #refilledAt: number

  constructor(perSecond: number, now = performance.now()) {
    this.#perSecond = perSecond
    this.#tokens = perSecond
    this.#refilledAt = now
  }

  /** Takes one token; `false` when the bucket is empty (the event is over the limit). */
  take(now = performance.now()): boolean {
    if (this.#perSecond <= 0) return true
    const elapsed = now - this.#refilledAt
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#perSecond, this.#tokens + (elapsed * this.#perSecond) / 1000)
      this.#refilledAt = now
    }
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** Milliseconds until the next token. */
  retryAfterMs(): number {
    if (this.#perSecond <= 0 || this.#tokens >= 1) return 0
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#perSecond)
  }
}
