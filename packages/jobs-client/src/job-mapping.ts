// The one place where the wire's snake_case meets the SDK's camelCase: field names are
// converted mechanically (`max_attempts` ↔ `maxAttempts`), timestamps become `Date`s.
import type {
  CreateJob,
  CreateSchedule,
  QueueStats,
  Job as WireJob,
  Schedule as WireSchedule,
} from '@nself/contracts/jobs'
import type { EnqueueInput, Job, QueueCounts, QueueJobInput, Schedule, ScheduleInput } from './job-types'

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

function fromWire<T>(wire: object, defaults: object = {}): T {
  const out: Record<string, unknown> = { ...defaults }
  for (const [key, value] of Object.entries(wire)) {
    if (value === undefined) continue
    out[camel(key)] = /_at$/.test(key) && typeof value === 'string' ? new Date(value) : value
  }
  return out as T
}

function toWire<T>(input: object): T {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined) out[snake(key)] = value instanceof Date ? value.toISOString() : value
  }
  return out as T
}

/** Wire job → SDK job. Extensions the real plugin does not send get neutral values. */
export function toJob(wire: WireJob): Job {
  return fromWire(wire, {
    type: null,
    progress: wire.status === 'completed' ? 100 : 0,
    result: null,
    idempotencyKey: null,
    userId: null,
    schedule: null,
    deadLettered: false,
  })
}

/** SDK enqueue input → `POST /v1/jobs` body (`runAt` → `run_at`, …). */
export function toCreateBody(input: EnqueueInput | QueueJobInput): CreateJob {
  return toWire(input)
}

export const toQueueCounts = (wire: QueueStats): QueueCounts => fromWire(wire, { cancelled: 0 })
export const toSchedule = (wire: WireSchedule): Schedule => fromWire(wire)
export const toScheduleBody = (input: ScheduleInput): CreateSchedule => toWire(input)
