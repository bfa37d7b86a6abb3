/** Time as the stub servers see it (jobs schedules, notification digests): real by default, a {@link FakeClock} in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Runs `fn` after `ms`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** The process clock. Timers are unref'd so they never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, Math.max(0, Math.min(ms, 2_147_483_647)))
    timer.unref?.()
    return timer
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

interface FakeTimer {
  at: number
  seq: number
  fn: () => void
}

/**
 * A clock that moves only when told to: `advance(ms)` runs every timer that falls due, in
 * order, with `now()` set to each timer's time. For cron and delay tests.
 */
export class FakeClock implements Clock {
  #now: number
  #seq = 0
  readonly #timers = new Set<FakeTimer>()

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime()
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer: FakeTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn }
    this.#timers.add(timer)
    return timer
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as FakeTimer)
  }

  /** Moves time forward by `ms`, running due timers; awaits the microtasks each one starts. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms
    for (;;) {
      let next: FakeTimer | undefined
      for (const t of this.#timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      }
      if (!next) break
      this.#timers.delete(next)
      this.#now = Math.max(this.#now, next.at)
      next.fn()
      await settle()
    }
    this.#now = target
    await settle()
  }

  /** Sets the time (forward only), running due timers. */
  async setTime(time: number | Date): Promise<void> {
    const t = typeof time === 'number' ? time : time.getTime()
    await this.advance(Math.max(0, t - this.#now))
  }

  /** Timers waiting to run. */
  get pendingTimers(): number {
    return this.#timers.size
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
  await new Promise<void>((resolve) => setImmediate(resolve))
}
