import { mkdir, readdir, stat, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  CleanupOldMessagesPayloadSchema,
  DatabaseBackupPayloadSchema,
  GenerateAnalyticsPayloadSchema,
  type HttpRequestPayload,
  HttpRequestPayloadSchema,
  type JOB_PAYLOAD_SCHEMAS,
  type JobPayloads,
  type SendEmailDigestPayload,
  SendEmailDigestPayloadSchema,
  type SimulatePayload,
  SimulatePayloadSchema,
} from '@nself/contracts/jobs'
import type { Clock } from '../../clock'
import { safeRequest } from './callback-security'
import type { JobStore } from './job-store'
import type { JobTypeDefinition, JobTypeRegistry } from './job-types'

/** What the built-in job types need from the server. */
export interface BuiltinTypesContext {
  store: JobStore
  clock: Clock
  /** Where `database-backup` and `generate-analytics` write their files. */
  dataDir: string
  /** The notifications plugin's base URL (`send-email-digest`); `undefined`: not configured. */
  notificationsUrl: string | undefined
  /** A service token the notifications plugin accepts. */
  notificationsToken(): Promise<string>
  allowPrivate: boolean
}

const DAY = 24 * 3600 * 1000

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled')
}

/**
 * The built-in job types, with real effects: a digest mailed through the notifications
 * plugin, cleanup and analytics over what this server holds, a backup file, an HTTP call.
 */
export function builtinJobTypes(ctx: BuiltinTypesContext): JobTypeRegistry {
  const sendEmailDigest: JobTypeDefinition<SendEmailDigestPayload> = {
    schema: SendEmailDigestPayloadSchema,
    async handler({ payload, signal, progress }) {
      if (!ctx.notificationsUrl) {
        throw new Error('The notifications plugin is not configured (set JOBS_NOTIFICATIONS_URL)')
      }
      const since =
        ctx.clock.now() -
        (payload.frequency === 'hourly' ? 3600_000 : payload.frequency === 'weekly' ? 7 * DAY : DAY)
      const jobs = (await ctx.store.list({ owner: payload.userId }, 1000, 0)).jobs.filter(
        (j) => Date.parse(j.created_at) >= since,
      )
      await progress(30)
      throwIfAborted(signal)
      const completed = jobs.filter((j) => j.status === 'completed').length
      const failed = jobs.filter((j) => j.status === 'failed').length
      const body = {
        userId: payload.userId,
        type: 'digest',
        title: `Your ${payload.frequency} digest`,
        body: `Since your last digest: ${jobs.length} background jobs, ${completed} completed, ${failed} failed.`,
        channels: ['email'],
      }
      const url = `${ctx.notificationsUrl.replace(/\/+$/, '')}/v1/notifications/send`
      let response: Awaited<ReturnType<typeof safeRequest>>
      try {
        response = await safeRequest(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await ctx.notificationsToken()}`,
          },
          body: JSON.stringify(body),
          signal,
          timeoutMs: 10_000,
          // The notifications plugin is the operator's own service, usually on this host.
          allowPrivate: true,
        })
      } catch (error) {
        throwIfAborted(signal)
        throw new Error(
          `The notifications plugin at ${ctx.notificationsUrl} is unreachable: ${(error as Error).message}`,
        )
      }
      await progress(90)
      if (response.status < 200 || response.status >= 300) {
        throw new Error(
          `The notifications plugin answered ${response.status}: ${response.body.slice(0, 200)}`,
        )
      }
      let sent: unknown = response.body
      try {
        sent = JSON.parse(response.body)
      } catch {}
      return { sent: true, jobs: jobs.length, notification: sent }
    },
  }

  const cleanupOldMessages: JobTypeDefinition<JobPayloads['cleanup-old-messages']> = {
    schema: CleanupOldMessagesPayloadSchema,
    async handler({ payload, signal, progress }) {
      // What this server holds: finished jobs, and backup and analytics files.
      const cutoff = ctx.clock.now() - (payload.olderThanDays ?? 90) * DAY
      let jobsDeleted = 0
      for (const job of await ctx.store.all()) {
        throwIfAborted(signal)
        const finished =
          job.status === 'completed' ||
          job.status === 'cancelled' ||
          (job.status === 'failed' && !job.dead_lettered)
        if (finished && Date.parse(job.updated_at) < cutoff && (await ctx.store.remove(job.id))) jobsDeleted++
      }
      await progress(50)
      let filesDeleted = 0
      for (const dir of ['backups', 'analytics']) {
        const full = path.join(ctx.dataDir, dir)
        const names = await readdir(full).catch(() => [] as string[])
        for (const name of names) {
          const file = path.join(full, name)
          const info = await stat(file).catch(() => undefined)
          if (info?.isFile() && info.mtimeMs < cutoff) {
            await unlink(file)
            filesDeleted++
          }
        }
      }
      return { jobsDeleted, filesDeleted, cutoff: new Date(cutoff).toISOString() }
    },
  }

  const generateAnalytics: JobTypeDefinition<JobPayloads['generate-analytics']> = {
    schema: GenerateAnalyticsPayloadSchema,
    async handler({ payload, progress }) {
      const date = payload.date ?? new Date(ctx.clock.now() - DAY).toISOString().slice(0, 10)
      const start = Date.parse(`${date}T00:00:00Z`)
      const jobs = (await ctx.store.all()).filter((j) => {
        const t = Date.parse(j.created_at)
        return t >= start && t < start + DAY
      })
      await progress(50)
      const byType: Record<string, Record<string, number>> = {}
      let durationTotal = 0
      let durationCount = 0
      for (const job of jobs) {
        const type = job.type ?? '(queue job)'
        byType[type] ??= {}
        const row = byType[type] as Record<string, number>
        row[job.status] = (row[job.status] ?? 0) + 1
        if (job.status === 'completed' && job.started_at && job.completed_at) {
          durationTotal += Date.parse(job.completed_at) - Date.parse(job.started_at)
          durationCount++
        }
      }
      const report = {
        date,
        jobs: jobs.length,
        byType,
        averageDurationMs: durationCount ? Math.round(durationTotal / durationCount) : null,
      }
      const dir = path.join(ctx.dataDir, 'analytics')
      await mkdir(dir, { recursive: true })
      const file = path.join(dir, `analytics-${date}.json`)
      await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
      return { ...report, file }
    },
  }

  const databaseBackup: JobTypeDefinition<JobPayloads['database-backup']> = {
    schema: DatabaseBackupPayloadSchema,
    async handler({ payload, progress, signal }) {
      const jobs = await ctx.store.all()
      const schedules = await ctx.store.listSchedules()
      await progress(40)
      throwIfAborted(signal)
      const stamp = new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, '-')
      const dir = path.join(ctx.dataDir, 'backups')
      await mkdir(dir, { recursive: true })
      const file = path.join(dir, `jobs-${stamp}${payload.label ? `-${payload.label}` : ''}.json`)
      const content = `${JSON.stringify({ createdAt: new Date(ctx.clock.now()).toISOString(), jobs, schedules })}\n`
      await writeFile(file, content)
      return { file, bytes: Buffer.byteLength(content), jobs: jobs.length, schedules: schedules.length }
    },
  }

  const httpRequest: JobTypeDefinition<HttpRequestPayload> = {
    schema: HttpRequestPayloadSchema,
    async handler({ payload, signal }) {
      const response = await safeRequest(payload.url, {
        method: payload.method ?? 'GET',
        ...(payload.headers ? { headers: payload.headers } : {}),
        ...(payload.body === undefined ? {} : { body: payload.body }),
        signal,
        timeoutMs: 30_000,
        allowPrivate: ctx.allowPrivate,
      })
      if ((payload.expectOk ?? true) && (response.status < 200 || response.status >= 300)) {
        throw new Error(`${payload.method ?? 'GET'} ${payload.url} answered ${response.status}`)
      }
      return { status: response.status, body: response.body.slice(0, 4096) }
    },
  }

  const registry = {
    'send-email-digest': sendEmailDigest,
    'cleanup-old-messages': cleanupOldMessages,
    'generate-analytics': generateAnalytics,
    'database-backup': databaseBackup,
    'http-request': httpRequest,
    simulate: simulateType(ctx.clock),
  } satisfies Record<keyof typeof JOB_PAYLOAD_SCHEMAS, unknown>
  return registry as unknown as JobTypeRegistry
}

/** `simulate`: progress over `durationMs`, failing the first `failAttempts` attempts halfway. */
function simulateType(clock: Clock): JobTypeDefinition<SimulatePayload> {
  return {
    schema: SimulatePayloadSchema,
    async handler({ payload, attempt, signal, progress }) {
      const steps = payload.steps ?? 10
      const duration = payload.durationMs ?? 0
      for (let i = 1; i <= steps; i++) {
        if (duration > 0) await sleep(clock, duration / steps, signal)
        throwIfAborted(signal)
        if (attempt <= (payload.failAttempts ?? 0) && i === Math.ceil(steps / 2)) {
          throw new Error(payload.error ?? `Simulated failure (attempt ${attempt})`)
        }
        await progress(Math.round((i / steps) * 100))
      }
      return { steps, attempt }
    },
  }
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const onAbort = () => {
      clock.clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
