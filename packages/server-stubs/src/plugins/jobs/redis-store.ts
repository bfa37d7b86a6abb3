import type { QueueStats } from '@nself/contracts/jobs'
import { Redis } from 'ioredis'
import type { Logger } from '../../http/logger'
import { matchesFilter, queueStats } from './job-filter'
import type { JobFilter, JobRecord, JobStore, ScheduleRecord, StoredEvent } from './job-store'

/** Events kept in the Redis stream for `Last-Event-ID` replay (approximately). */
const EVENTS_KEPT = 10_000

// Compare-and-set: write the record only if nobody changed it since we read it.
const CAS = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`

/** Compares two stream ids (`<ms>-<seq>`) or plain counters. */
export function compareEventIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number)
  const [bm = 0, bs = 0] = b.split('-').map(Number)
  return am === bm ? as - bs : am - bm
}

/**
 * The store of the BullMQ backend: jobs, indexes, idempotency keys, schedules and the event
 * stream in Redis, shared by every process that uses the same `prefix`.
 */
export class RedisJobStore implements JobStore {
  readonly #redis: Redis
  readonly #reader: Redis
  readonly #p: string
  readonly #logger: Logger
  readonly #listeners = new Set<(event: StoredEvent) => void>()
  #reading = false
  #closed = false

  constructor(url: string, prefix: string, logger: Logger) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false })
    this.#reader = new Redis(url, { maxRetriesPerRequest: null })
    this.#p = prefix
    this.#logger = logger
    for (const client of [this.#redis, this.#reader]) {
      client.on('error', (error) => {
        if (!this.#closed) logger.warn({ msg: 'redis error', plugin: 'jobs', error: error.message })
      })
    }
  }

  #key(...parts: string[]): string {
    return [this.#p, ...parts].join(':')
  }

  async insert(record: JobRecord, idempotencyKey?: string) {
    if (idempotencyKey !== undefined) {
      const idemKey = this.#key('idem', idempotencyKey)
      const won = await this.#redis.set(idemKey, record.id, 'EX', 7 * 24 * 3600, 'NX')
      if (won === null) {
        const existingId = await this.#redis.get(idemKey)
        const existing = existingId ? await this.get(existingId) : undefined
        if (existing) return { record: existing, created: false }
        await this.#redis.set(idemKey, record.id, 'EX', 7 * 24 * 3600)
      }
    }
    const score = Date.parse(record.created_at)
    const multi = this.#redis.multi().set(this.#key('job', record.id), JSON.stringify(record))
    multi.zadd(this.#key('idx', 'all'), score, record.id)
    if (record.user_id !== null) multi.zadd(this.#key('idx', 'user', record.user_id), score, record.id)
    await multi.exec()
    return { record, created: true }
  }

  async get(id: string) {
    const raw = await this.#redis.get(this.#key('job', id))
    return raw ? (JSON.parse(raw) as JobRecord) : undefined
  }

  async update(id: string, change: (current: JobRecord) => JobRecord | undefined) {
    const key = this.#key('job', id)
    for (let tries = 0; tries < 50; tries++) {
      const raw = await this.#redis.get(key)
      if (!raw) return undefined
      const current = JSON.parse(raw) as JobRecord
      const next = change(current)
      if (!next) return { record: current, changed: false }
      const ok = await this.#redis.eval(CAS, 1, key, raw, JSON.stringify(next))
      if (ok === 1) return { record: next, changed: true }
    }
    throw new Error(`job ${id}: too many concurrent updates`)
  }

  async remove(id: string) {
    const record = await this.get(id)
    if (!record) return false
    const multi = this.#redis.multi().del(this.#key('job', id)).zrem(this.#key('idx', 'all'), id)
    if (record.user_id !== null) multi.zrem(this.#key('idx', 'user', record.user_id), id)
    await multi.exec()
    return true
  }

  async #load(ids: string[]): Promise<JobRecord[]> {
    const out: JobRecord[] = []
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      if (chunk.length === 0) break
      const raws = await this.#redis.mget(chunk.map((id) => this.#key('job', id)))
      for (const raw of raws) if (raw) out.push(JSON.parse(raw) as JobRecord)
    }
    return out
  }

  async list(filter: JobFilter, limit: number, offset: number) {
    const index =
      filter.owner === undefined ? this.#key('idx', 'all') : this.#key('idx', 'user', filter.owner)
    const ids = await this.#redis.zrevrange(index, 0, -1)
    const matching = (await this.#load(ids)).filter((job) => matchesFilter(job, filter))
    return { jobs: matching.slice(offset, offset + limit), total: matching.length }
  }

  async all() {
    return this.#load(await this.#redis.zrevrange(this.#key('idx', 'all'), 0, -1))
  }

  async queues(owner?: string): Promise<QueueStats[]> {
    return queueStats((await this.list({ owner }, Number.MAX_SAFE_INTEGER, 0)).jobs)
  }

  async publish(event: StoredEvent['event'], job: JobRecord) {
    const id = await this.#redis.xadd(
      this.#key('events'),
      'MAXLEN',
      '~',
      String(EVENTS_KEPT),
      '*',
      'e',
      event,
      'j',
      JSON.stringify(job),
    )
    return id as string
  }

  async eventsSince(id: string) {
    if (!/^\d+(-\d+)?$/.test(id)) return undefined
    const key = this.#key('events')
    const first = await this.#redis.xrange(key, '-', '+', 'COUNT', 1)
    const firstId = first[0]?.[0]
    // Older than what the stream still holds: some events are gone.
    if (firstId && compareEventIds(id, firstId) < 0 && id !== '0') return undefined
    const entries = await this.#redis.xrange(key, `(${id.includes('-') ? id : `${id}-0`}`, '+')
    return entries.map(([entryId, fields]) => toEvent(entryId, fields))
  }

  async lastEventId() {
    const last = await this.#redis.xrevrange(this.#key('events'), '+', '-', 'COUNT', 1)
    return last[0]?.[0]
  }

  subscribe(listener: (event: StoredEvent) => void) {
    this.#listeners.add(listener)
    if (!this.#reading) void this.#readLoop()
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** One blocking reader per process fans the stream out to local subscribers. */
  async #readLoop(): Promise<void> {
    this.#reading = true
    let last = (await this.lastEventId().catch(() => undefined)) ?? '0-0'
    while (!this.#closed) {
      try {
        const reply = (await this.#reader.xread('BLOCK', 5000, 'STREAMS', this.#key('events'), last)) as
          | [string, [string, string[]][]][]
          | null
        for (const [, entries] of reply ?? []) {
          for (const [entryId, fields] of entries) {
            last = entryId
            const event = toEvent(entryId, fields)
            for (const listener of [...this.#listeners]) listener(event)
          }
        }
      } catch (error) {
        if (this.#closed) break
        this.#logger.warn({
          msg: 'event stream read failed',
          plugin: 'jobs',
          error: (error as Error).message,
        })
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    }
  }

  async listSchedules() {
    const all = await this.#redis.hvals(this.#key('schedules'))
    return all.map((raw) => JSON.parse(raw) as ScheduleRecord)
  }

  async getSchedule(key: string) {
    const raw = await this.#redis.hget(this.#key('schedules'), key)
    return raw ? (JSON.parse(raw) as ScheduleRecord) : undefined
  }

  async putSchedule(key: string, schedule: ScheduleRecord) {
    await this.#redis.hset(this.#key('schedules'), key, JSON.stringify(schedule))
  }

  async deleteSchedule(key: string) {
    return (await this.#redis.hdel(this.#key('schedules'), key)) > 0
  }

  async claimFire(key: string, fireAt: number) {
    const won = await this.#redis.set(this.#key('fired', `${key}@${fireAt}`), '1', 'EX', 7 * 24 * 3600, 'NX')
    return won !== null
  }

  async close() {
    this.#closed = true
    this.#listeners.clear()
    this.#reader.disconnect()
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}

function toEvent(id: string, fields: string[]): StoredEvent {
  const map: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i] as string] = fields[i + 1] as string
  return { id, event: map.e as StoredEvent['event'], job: JSON.parse(map.j ?? '{}') as JobRecord }
}
