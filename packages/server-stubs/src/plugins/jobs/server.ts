import path from 'node:path'
import { DEFAULT_PORTS } from '@nself/contracts'
import { DEFAULT_CLIENT_JOB_TYPES, type JobsHealth } from '@nself/contracts/jobs'
import { signDevToken } from '../../auth/jwt'
import { resolveJwtSecret } from '../../auth/jwt-secret'
import { type Clock, systemClock } from '../../clock'
import { readEnv, readEnvFlag, readEnvInt } from '../../plugin-env'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'
import { builtinJobTypes } from './builtin-types'
import { BullmqExecutor } from './bullmq-executor'
import { registerDashboard } from './dashboard'
import { JobEngine } from './job-engine'
import type { JobStore } from './job-store'
import type { JobTypeDefinition } from './job-types'
import { MemoryExecutor } from './memory-executor'
import { MemoryJobStore } from './memory-store'
import { RedisJobStore } from './redis-store'
import { registerJobRoutes } from './routes'
import { JobScheduler } from './scheduler'

/** Options of {@link createJobsServer}. Unset ones come from the environment (see the README). */
export interface JobsServerOptions extends StubServerOptions {
  /** `bullmq` (Redis) or `memory`. Default: `bullmq` when a Redis URL is set, else `memory`. */
  backend?: 'memory' | 'bullmq'
  /** Redis of the BullMQ backend. Default: `REDIS_URL`. */
  redisUrl?: string
  /** Key prefix in Redis; processes with the same prefix share queues. Default `JOBS_REDIS_PREFIX`, else `nself-jobs`. */
  redisPrefix?: string
  /** Attempts running at once per process. Default `JOBS_CONCURRENCY`, else 5. */
  concurrency?: number
  /** `max_attempts` of a job that gives none. Default `JOBS_MAX_RETRIES`, else 3. */
  maxAttempts?: number
  /** Multiplies the retry backoff (2 s, 8 s, 30 s, 2 min, 5 min). Default `JOBS_TIME_SCALE`, else 1. */
  timeScale?: number
  /** The clock of delays, backoff and cron (tests pass a `FakeClock`). */
  clock?: Clock
  /** Job types a user token may enqueue. Default `JOBS_CLIENT_TYPES` (comma-separated), else `send-email-digest`. */
  clientTypes?: readonly string[]
  /** Allow callbacks and `http-request` jobs to private and loopback addresses (development). Default `JOBS_ALLOW_PRIVATE_CALLBACKS`. */
  allowPrivateCallbacks?: boolean
  /** HMAC secret of `X-Webhook-Signature`. Default `JOBS_WEBHOOK_SECRET`, else the JWT secret. */
  webhookSecret?: string
  /** The notifications plugin (`send-email-digest`). Default `JOBS_NOTIFICATIONS_URL`, else `http://127.0.0.1:3102` outside production; `null`: none. */
  notificationsUrl?: string | null
  /** Where backups and analytics are written. Default `JOBS_DATA_DIR`, else `.nself-data/jobs`. */
  dataDir?: string
  /** Extra job types (name → schema and handler), next to the built-in ones. */
  types?: Record<string, JobTypeDefinition<never>>
  /** Install the seeds' schedules (cleanup, backup, analytics, digests). Default `true`. */
  defaultSchedules?: boolean
  /** BullMQ lock duration: a dead process's jobs are taken over after about this long. Default `JOBS_LOCK_DURATION_MS`, else 30 000. */
  lockDurationMs?: number
}

/** A running jobs server. */
export interface JobsServer extends StubServer<'jobs'> {
  /** Which backend runs the jobs. */
  readonly backend: 'memory' | 'bullmq'
  /** The job lifecycle (tests and embedders). */
  readonly engine: JobEngine
  /** The cron scheduler. */
  readonly scheduler: JobScheduler
  /** The store of jobs, events and schedules. */
  readonly store: JobStore
}

function envList(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/**
 * Starts the jobs plugin: the Go API's `/v1/jobs…`, `/v1/queues`, `/v1/dlq…` (snake_case),
 * plus cancel, progress, server-sent events, cron schedules and `/dashboard`. Jobs run in
 * memory, or on BullMQ when a Redis URL is set (then processes with the same prefix share
 * the queues, and a restart loses nothing).
 */
export async function createJobsServer(options: JobsServerOptions = {}): Promise<JobsServer> {
  let started: Promise<void> = Promise.resolve()
  const server = await createPluginServer('jobs', options, (ctx) => {
    const env = ctx.env
    const redisUrl = options.redisUrl ?? readEnv(env, 'REDIS_URL')
    const backend = options.backend ?? (redisUrl ? 'bullmq' : 'memory')
    if (backend === 'bullmq' && !redisUrl)
      throw new Error('jobs: the bullmq backend needs a Redis URL (REDIS_URL)')
    const prefix = options.redisPrefix ?? readEnv(env, 'JOBS_REDIS_PREFIX') ?? 'nself-jobs'
    const clock = options.clock ?? systemClock
    const timeScaleEnv = Number(readEnv(env, 'JOBS_TIME_SCALE'))
    const timeScale = options.timeScale ?? (timeScaleEnv > 0 ? timeScaleEnv : 1)
    const production = env.NODE_ENV === 'production'
    const allowPrivate = options.allowPrivateCallbacks ?? readEnvFlag(env, 'JOBS_ALLOW_PRIVATE_CALLBACKS')
    const notificationsUrl =
      options.notificationsUrl === null
        ? undefined
        : (options.notificationsUrl ??
          readEnv(env, 'JOBS_NOTIFICATIONS_URL') ??
          (production
            ? undefined
            : `http://127.0.0.1:${readEnvInt(env, 'NOTIFICATIONS_PORT', DEFAULT_PORTS.notifications)}`))
    const notificationsSecret = resolveJwtSecret('notifications', options.jwtSecret, env).secret
    const store: JobStore =
      backend === 'bullmq' ? new RedisJobStore(redisUrl as string, prefix, ctx.logger) : new MemoryJobStore()
    const engine = new JobEngine({
      store,
      clock,
      logger: ctx.logger,
      timeScale,
      defaultMaxAttempts: Math.max(1, options.maxAttempts ?? readEnvInt(env, 'JOBS_MAX_RETRIES', 3)),
      clientTypes: new Set(
        options.clientTypes ?? envList(readEnv(env, 'JOBS_CLIENT_TYPES')) ?? DEFAULT_CLIENT_JOB_TYPES,
      ),
      allowPrivateCallbacks: allowPrivate,
      webhookSecret: options.webhookSecret ?? readEnv(env, 'JOBS_WEBHOOK_SECRET') ?? ctx.jwtSecret,
      types: {
        ...builtinJobTypes({
          store,
          clock,
          dataDir: path.resolve(options.dataDir ?? readEnv(env, 'JOBS_DATA_DIR') ?? '.nself-data/jobs'),
          notificationsUrl,
          notificationsToken: async () =>
            signDevToken({ userId: 'nself-jobs', role: 'service', expiresIn: '5m' }, notificationsSecret),
          allowPrivate,
        }),
        ...options.types,
      },
    })
    const concurrency = Math.max(1, options.concurrency ?? readEnvInt(env, 'JOBS_CONCURRENCY', 5))
    const executor =
      backend === 'bullmq'
        ? new BullmqExecutor(engine, {
            redisUrl: redisUrl as string,
            prefix,
            concurrency,
            lockDurationMs: options.lockDurationMs ?? readEnvInt(env, 'JOBS_LOCK_DURATION_MS', 30_000),
            logger: ctx.logger,
            clock,
          })
        : new MemoryExecutor(engine, clock, concurrency)
    engine.attach(executor)
    const scheduler = new JobScheduler(engine, clock, ctx.logger)

    started = (async () => {
      await withTimeout(executor.start(), 10_000, `cannot reach Redis at ${redisUrl ?? ''} within 10 s`)
      if (options.defaultSchedules ?? true) await installDefaultSchedules(scheduler, env)
      scheduler.start()
    })()
    // Routes that create jobs wait for this; a failure is reported by createJobsServer.
    const ready = started.catch(() => {})
    registerJobRoutes(ctx.router, engine, scheduler, ready)
    registerDashboard(
      ctx.router,
      engine,
      ctx.jwtSecret,
      backend,
      executor instanceof BullmqExecutor ? executor.queue : undefined,
    )
    ctx.metrics.gauge('nself_jobs_running', 'Job attempts running in this process.', () => engine.runningHere)

    return {
      health: (): JobsHealth => ({ status: 'ok' }),
      teardown: async () => {
        await started.catch(() => {})
        await scheduler.close()
        await engine.close()
        await store.close()
      },
      extra: { backend, engine, scheduler, store },
    }
  })
  try {
    await started
  } catch (error) {
    await server.close()
    throw new Error(`jobs: the ${server.backend} backend failed to start: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return server
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * The seeds' schedules: message cleanup (`JOBS_CLEANUP_OLD_MESSAGES_SCHEDULE`, `0 2 * * *`),
 * the weekly backup on Sunday, nightly analytics, and digests for `JOBS_EMAIL_DIGEST_USERS`.
 */
async function installDefaultSchedules(scheduler: JobScheduler, env: Record<string, string | undefined>) {
  const timezone = readEnv(env, 'JOBS_TIMEZONE') ?? 'UTC'
  const flag = (name: string) => (readEnv(env, name) === undefined ? true : readEnvFlag(env, name))
  const base = { timezone, queue: 'default', priority: 0, max_attempts: 3, user_id: null }
  await scheduler.ensure({
    ...base,
    name: 'cleanup-old-messages',
    type: 'cleanup-old-messages',
    cron: readEnv(env, 'JOBS_CLEANUP_OLD_MESSAGES_SCHEDULE') ?? '0 2 * * *',
    enabled: flag('JOBS_CLEANUP_OLD_MESSAGES_ENABLED'),
    payload: {},
  })
  await scheduler.ensure({
    ...base,
    name: 'database-backup',
    type: 'database-backup',
    cron: readEnv(env, 'JOBS_DATABASE_BACKUP_SCHEDULE') ?? '0 3 * * 0',
    enabled: flag('JOBS_DATABASE_BACKUP_ENABLED'),
    payload: { label: 'weekly' },
  })
  await scheduler.ensure({
    ...base,
    name: 'generate-analytics',
    type: 'generate-analytics',
    cron: readEnv(env, 'JOBS_GENERATE_ANALYTICS_SCHEDULE') ?? '0 0 * * *',
    enabled: flag('JOBS_GENERATE_ANALYTICS_ENABLED'),
    payload: {},
  })
  const digestCron = readEnv(env, 'JOBS_EMAIL_DIGEST_SCHEDULE') ?? '0 8 * * *'
  const frequency = (readEnv(env, 'JOBS_EMAIL_DIGEST_FREQUENCY') ?? 'daily') as 'daily'
  for (const userId of envList(readEnv(env, 'JOBS_EMAIL_DIGEST_USERS')) ?? []) {
    await scheduler.ensure({
      ...base,
      name: `email-digest-${userId}`,
      type: 'send-email-digest',
      cron: digestCron,
      enabled: true,
      payload: { userId, frequency },
    })
  }
}
