import type { Clock } from '../../clock'
import type { JobEngine, JobExecutor } from './job-engine'
import type { JobRecord } from './job-store'

interface Due {
  id: string
  run: number
  priority: number
  at: number
  seq: number
}

/**
 * The in-memory dispatcher: up to `concurrency` attempts at once, claimed by priority
 * (highest first), then schedule time, then creation order — the real plugin's order — on
 * the engine's clock.
 */
export class MemoryExecutor implements JobExecutor {
  readonly #engine: JobEngine
  readonly #clock: Clock
  readonly #concurrency: number
  readonly #due = new Map<string, Due>()
  #seq = 0
  #active = 0
  #timer: unknown
  #timerAt = Number.POSITIVE_INFINITY
  #started = false
  #closed = false

  constructor(engine: JobEngine, clock: Clock, concurrency: number) {
    this.#engine = engine
    this.#clock = clock
    this.#concurrency = Math.max(1, concurrency)
  }

  async start(): Promise<void> {
    this.#started = true
    this.#pump()
  }

  async dispatch(record: JobRecord): Promise<void> {
    this.#due.set(record.id, {
      id: record.id,
      run: record.run,
      priority: record.priority,
      at: Date.parse(record.scheduled_at),
      seq: this.#seq++,
    })
    this.#pump()
  }

  async discard(record: JobRecord): Promise<void> {
    this.#due.delete(record.id)
  }

  async abort(id: string): Promise<void> {
    this.#engine.abortLocal(id)
  }

  #pump(): void {
    if (!this.#started || this.#closed) return
    const now = this.#clock.now()
    while (this.#active < this.#concurrency) {
      let best: Due | undefined
      for (const due of this.#due.values()) {
        if (due.at > now) continue
        if (
          !best ||
          due.priority > best.priority ||
          (due.priority === best.priority && (due.at < best.at || (due.at === best.at && due.seq < best.seq)))
        )
          best = due
      }
      if (!best) break
      this.#due.delete(best.id)
      this.#active++
      const claimed = best
      this.#engine
        .runAttempt(claimed.id, claimed.run)
        .then((outcome) => {
          if (outcome.kind === 'retry' && !this.#due.has(claimed.id)) {
            this.#due.set(claimed.id, { ...claimed, at: outcome.at, seq: this.#seq++ })
          }
        })
        .catch((error: unknown) =>
          this.#engine.config.logger.error({ msg: 'job attempt crashed', id: claimed.id, error }),
        )
        .finally(() => {
          this.#active--
          this.#pump()
        })
    }
    this.#arm(now)
  }

  /** One timer, for the earliest job not yet due. */
  #arm(now: number): void {
    let next = Number.POSITIVE_INFINITY
    for (const due of this.#due.values()) if (due.at > now && due.at < next) next = due.at
    if (next === this.#timerAt) return
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = next
    if (next === Number.POSITIVE_INFINITY) return
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.#timerAt = Number.POSITIVE_INFINITY
      this.#pump()
    }, next - now)
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#due.clear()
  }
}
