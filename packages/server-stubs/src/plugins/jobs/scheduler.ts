import { CronExpressionParser } from 'cron-parser'
import type { Clock } from '../../clock'
import { HttpError } from '../../http/http-error'
import type { Logger } from '../../http/logger'
import type { JobEngine } from './job-engine'
import { type ScheduleRecord, scheduleKey } from './job-store'

/** The next time `cron` fires strictly after `after` (ms), in `timezone`. */
export function nextCronTime(cron: string, timezone: string, after: number): number {
  return CronExpressionParser.parse(cron, { currentDate: new Date(after), tz: timezone })
    .next()
    .getTime()
}

/**
 * Checks a cron expression and time zone.
 * @throws {HttpError} `VALIDATION_FAILED` naming what is wrong.
 */
export function checkCron(cron: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone })
  } catch {
    throw new HttpError('VALIDATION_FAILED', `Unknown time zone ${timezone}`, { details: { timezone } })
  }
  const fields = cron.trim().split(/\s+/).length
  if (fields < 5 || fields > 6) {
    throw new HttpError('VALIDATION_FAILED', 'A cron expression has five fields (six with seconds)', {
      details: { cron },
    })
  }
  try {
    CronExpressionParser.parse(cron, { tz: timezone, strict: false })
  } catch (error) {
    throw new HttpError('VALIDATION_FAILED', `Invalid cron expression: ${(error as Error).message}`, {
      details: { cron },
    })
  }
}

/** The longest the scheduler sleeps, so schedules written by other processes are picked up. */
const MAX_SLEEP_MS = 30_000

/**
 * Fires cron schedules on the engine's clock. Each fire creates one job, exactly once across
 * processes (the store's `claimFire` and an idempotency key per fire time). Missed fires (the
 * server was down, the clock jumped) are caught up once, not once per missed time.
 */
export class JobScheduler {
  readonly #engine: JobEngine
  readonly #clock: Clock
  readonly #logger: Logger
  #timer: unknown
  #closed = false
  #ticking: Promise<void> | undefined

  constructor(engine: JobEngine, clock: Clock, logger: Logger) {
    this.#engine = engine
    this.#clock = clock
    this.#logger = logger
  }

  /** Creates or replaces a schedule; resolves it with its `next_run_at`. */
  async put(
    fields: Omit<ScheduleRecord, 'next_run_at' | 'last_run_at' | 'created_at' | 'updated_at'>,
  ): Promise<{ schedule: ScheduleRecord; created: boolean }> {
    checkCron(fields.cron, fields.timezone)
    const key = scheduleKey(fields.user_id, fields.name)
    const existing = await this.#engine.store.getSchedule(key)
    const now = this.#clock.now()
    const schedule: ScheduleRecord = {
      ...fields,
      next_run_at: fields.enabled
        ? new Date(nextCronTime(fields.cron, fields.timezone, now)).toISOString()
        : null,
      last_run_at: existing?.last_run_at ?? null,
      created_at: existing?.created_at ?? new Date(now).toISOString(),
      updated_at: new Date(now).toISOString(),
    }
    await this.#engine.store.putSchedule(key, schedule)
    this.arm()
    return { schedule, created: !existing }
  }

  /** Installs a schedule unless one with that key exists with the same cron, time zone and state. */
  async ensure(fields: Omit<ScheduleRecord, 'next_run_at' | 'last_run_at' | 'created_at' | 'updated_at'>) {
    const existing = await this.#engine.store.getSchedule(scheduleKey(fields.user_id, fields.name))
    if (
      existing &&
      existing.cron === fields.cron &&
      existing.timezone === fields.timezone &&
      existing.enabled === fields.enabled
    )
      return
    await this.put(fields)
  }

  async remove(owner: string | null, name: string): Promise<boolean> {
    const removed = await this.#engine.store.deleteSchedule(scheduleKey(owner, name))
    this.arm()
    return removed
  }

  start(): void {
    this.arm()
  }

  /** Re-plans the next wake-up. */
  arm(): void {
    if (this.#closed) return
    void this.#plan().catch((error: unknown) => this.#logger.warn({ msg: 'scheduler failed', error }))
  }

  async #plan(): Promise<void> {
    const schedules = await this.#engine.store.listSchedules()
    const now = this.#clock.now()
    let next = now + MAX_SLEEP_MS
    for (const s of schedules) {
      if (!s.enabled || !s.next_run_at) continue
      next = Math.min(next, Date.parse(s.next_run_at))
    }
    if (this.#closed) return
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined
        this.#ticking = this.tick().finally(() => this.arm())
      },
      Math.max(0, next - now),
    )
  }

  /** Fires every schedule that is due now. */
  async tick(): Promise<void> {
    const now = this.#clock.now()
    for (const s of await this.#engine.store.listSchedules()) {
      if (this.#closed) return
      if (!s.enabled || !s.next_run_at) continue
      const fireAt = Date.parse(s.next_run_at)
      if (fireAt > now) continue
      const key = scheduleKey(s.user_id, s.name)
      try {
        if (await this.#engine.store.claimFire(key, fireAt)) {
          await this.#engine.createInternal({
            type: s.type,
            payload: s.payload,
            queue: s.queue,
            priority: s.priority,
            max_attempts: s.max_attempts,
            user_id: s.user_id,
            schedule: s.name,
            idempotencyKey: `schedule:${key}:${fireAt}`,
          })
        }
      } catch (error) {
        this.#logger.warn({
          msg: 'schedule fire failed',
          plugin: 'jobs',
          schedule: key,
          error: (error as Error).message,
        })
      }
      const current = await this.#engine.store.getSchedule(key)
      if (current && current.next_run_at === s.next_run_at) {
        await this.#engine.store.putSchedule(key, {
          ...current,
          last_run_at: new Date(fireAt).toISOString(),
          next_run_at: new Date(nextCronTime(s.cron, s.timezone, Math.max(fireAt, now))).toISOString(),
          updated_at: new Date(now).toISOString(),
        })
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    await this.#ticking?.catch(() => {})
  }
}
