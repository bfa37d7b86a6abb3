import { JOB_STATUSES, type QueueStats } from '@nself/contracts/jobs'
import type { JobFilter, JobRecord } from './job-store'

/** Does `job` match `filter`? */
export function matchesFilter(job: JobRecord, filter: JobFilter): boolean {
  if (filter.owner !== undefined && job.user_id !== filter.owner) return false
  if (filter.queue !== undefined && job.queue !== filter.queue) return false
  if (filter.status !== undefined && job.status !== filter.status) return false
  if (filter.type !== undefined && job.type !== filter.type) return false
  if (filter.deadLettered !== undefined && job.dead_lettered !== filter.deadLettered) return false
  return true
}

/** `GET /v1/queues` rows: counts by state per queue, queues by name. */
export function queueStats(jobs: Iterable<JobRecord>): QueueStats[] {
  const byQueue = new Map<string, QueueStats>()
  for (const job of jobs) {
    let row = byQueue.get(job.queue)
    if (!row) {
      row = { name: job.queue, pending: 0, active: 0, completed: 0, failed: 0, cancelled: 0 }
      byQueue.set(job.queue, row)
    }
    if ((JOB_STATUSES as readonly string[]).includes(job.status)) row[job.status] = (row[job.status] ?? 0) + 1
  }
  return [...byQueue.values()].sort((a, b) => a.name.localeCompare(b.name))
}
