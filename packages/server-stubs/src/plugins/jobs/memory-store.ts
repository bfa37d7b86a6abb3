import type { QueueStats } from '@nself/contracts/jobs'
import { matchesFilter, queueStats } from './job-filter'
import type { JobFilter, JobRecord, JobStore, ScheduleRecord, StoredEvent } from './job-store'

/** How many events the in-memory store keeps for `Last-Event-ID` replay. */
const EVENTS_KEPT = 10_000

/** The default store: everything in this process, gone when it stops. */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, JobRecord>()
  readonly #idempotency = new Map<string, string>()
  readonly #events: StoredEvent[] = []
  #eventSeq = 0
  readonly #listeners = new Set<(event: StoredEvent) => void>()
  readonly #schedules = new Map<string, ScheduleRecord>()
  readonly #fired = new Set<string>()

  async insert(record: JobRecord, idempotencyKey?: string) {
    if (idempotencyKey !== undefined) {
      const existing = this.#idempotency.get(idempotencyKey)
      const job = existing === undefined ? undefined : this.#jobs.get(existing)
      if (job) return { record: job, created: false }
      this.#idempotency.set(idempotencyKey, record.id)
    }
    this.#jobs.set(record.id, record)
    return { record, created: true }
  }

  async get(id: string) {
    return this.#jobs.get(id)
  }

  async update(id: string, change: (current: JobRecord) => JobRecord | undefined) {
    const current = this.#jobs.get(id)
    if (!current) return undefined
    const next = change(current)
    if (!next) return { record: current, changed: false }
    this.#jobs.set(id, next)
    return { record: next, changed: true }
  }

  async remove(id: string) {
    const job = this.#jobs.get(id)
    if (!job) return false
    this.#jobs.delete(id)
    return true
  }

  async list(filter: JobFilter, limit: number, offset: number) {
    const matching = this.#newestFirst().filter((job) => matchesFilter(job, filter))
    return { jobs: matching.slice(offset, offset + limit), total: matching.length }
  }

  async all() {
    return this.#newestFirst()
  }

  async queues(owner?: string): Promise<QueueStats[]> {
    return queueStats([...this.#jobs.values()].filter((job) => owner === undefined || job.user_id === owner))
  }

  #newestFirst(): JobRecord[] {
    // Insertion order is creation order.
    return [...this.#jobs.values()].reverse()
  }

  async publish(event: StoredEvent['event'], job: JobRecord) {
    const stored: StoredEvent = { id: String(++this.#eventSeq), event, job }
    this.#events.push(stored)
    if (this.#events.length > EVENTS_KEPT) this.#events.splice(0, this.#events.length - EVENTS_KEPT)
    for (const listener of [...this.#listeners]) listener(stored)
    return stored.id
  }

  async eventsSince(id: string) {
    const seq = Number(id)
    if (!/^\d+$/.test(id) || seq > this.#eventSeq) return undefined
    const first = this.#events[0]
    if (first && seq < Number(first.id) - 1) return undefined
    return this.#events.filter((e) => Number(e.id) > seq)
  }

  async lastEventId() {
    return this.#eventSeq === 0 ? undefined : String(this.#eventSeq)
  }

  subscribe(listener: (event: StoredEvent) => void) {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  async listSchedules() {
    return [...this.#schedules.values()]
  }

  async getSchedule(key: string) {
    return this.#schedules.get(key)
  }

  async putSchedule(key: string, schedule: ScheduleRecord) {
    this.#schedules.set(key, schedule)
  }

  async deleteSchedule(key: string) {
    return this.#schedules.delete(key)
  }

  async claimFire(key: string, fireAt: number) {
    const id = `${key}@${fireAt}`
    if (this.#fired.has(id)) return false
    this.#fired.add(id)
    return true
  }

  async close() {
    this.#listeners.clear()
  }
}
