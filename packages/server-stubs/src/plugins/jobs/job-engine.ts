import { randomUUID } from 'node:crypto'
import { type CreateJob, jobBackoffMs } from '@nself/contracts/jobs'
import { type AuthUser, actingUserId } from '../../auth/request-user'
import type { Clock } from '../../clock'
import { HttpError } from '../../http/http-error'
import type { Logger } from '../../http/logger'
import { checkTargetUrl, safeRequest, signWebhook } from './callback-security'
import type { JobRecord, JobStore } from './job-store'
import type { JobHandlerContext, JobTypeDefinition, JobTypeRegistry } from './job-types'

/** How one attempt ended. */
export type AttemptOutcome =
  | { kind: 'skipped' }
  | { kind: 'completed' }
  | { kind: 'cancelled' }
  | { kind: 'retry'; at: number; delayMs: number; error: string }
  | { kind: 'failed'; error: string }

/** Runs jobs for the engine: the in-memory dispatcher, or BullMQ workers. */
export interface JobExecutor {
  start(): Promise<void>
  /** `record` is pending, due at its `scheduled_at`: run it then. */
  dispatch(record: JobRecord): Promise<void>
  /** `record` will not run (cancelled or deleted while pending). */
  discard(record: JobRecord): Promise<void>
  /** Abort the running attempt of `id`, in whichever process runs it. */
  abort(id: string): Promise<void>
  close(): Promise<void>
}

/** Settings of the engine. */
export interface JobEngineConfig {
  store: JobStore
  clock: Clock
  logger: Logger
  types: JobTypeRegistry
  /** Multiplies every backoff (tests: 0.01 makes 2 s into 20 ms). */
  timeScale: number
  /** `max_attempts` when a create gives none (`JOBS_MAX_RETRIES`). */
  defaultMaxAttempts: number
  /** Types a user token may enqueue. */
  clientTypes: ReadonlySet<string>
  /** Allow callbacks and requests to private and loopback addresses. */
  allowPrivateCallbacks: boolean
  /** HMAC secret of callback signatures. */
  webhookSecret: string
}

/** A job to create on the server's own behalf (schedules). */
export interface InternalCreate {
  type: string
  payload: unknown
  queue?: string
  priority?: number
  max_attempts?: number
  user_id: string | null
  schedule?: string | null
  idempotencyKey?: string
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The job lifecycle, the same whichever backend runs it: create (validation, ownership,
 * idempotency), attempts with the real plugin's backoff and dead-lettering, progress,
 * cancel, retry, revive, delete, and callback delivery. Every change is published as an event.
 */
export class JobEngine {
  readonly config: JobEngineConfig
  #executor: JobExecutor | undefined
  readonly #running = new Map<string, AbortController>()
  #closed = false

  constructor(config: JobEngineConfig) {
    this.config = config
  }

  get store(): JobStore {
    return this.config.store
  }

  /** Attaches the executor (it needs the engine, and the engine needs it). */
  attach(executor: JobExecutor): void {
    this.#executor = executor
  }

  get executor(): JobExecutor {
    if (!this.#executor) throw new Error('no executor attached')
    return this.#executor
  }

  /** Attempts running in this process. */
  get runningHere(): number {
    return this.#running.size
  }

  /** Is `job` visible to `user`? Users see their own jobs; service tokens see all. */
  static visible(job: { user_id: string | null }, user: AuthUser): boolean {
    return user.isService || job.user_id === user.userId
  }

  /** Validates a type and its payload for `user` (`null`: the server itself). */
  checkType(type: string, payload: unknown, user: AuthUser | null): unknown {
    const definition = this.config.types[type] as JobTypeDefinition | undefined
    if (!definition) {
      throw new HttpError('VALIDATION_FAILED', `Unknown job type ${type}`, {
        details: { type, known: Object.keys(this.config.types) },
      })
    }
    if (user && !user.isService && !this.config.clientTypes.has(type)) {
      throw new HttpError('JOB_TYPE_NOT_ALLOWED', `A user token may not enqueue ${type} jobs`, {
        details: { type, allowed: [...this.config.clientTypes] },
      })
    }
    let value: unknown = payload ?? {}
    if (definition.schema) {
      const parsed = definition.schema.safeParse(value)
      if (!parsed.success) {
        throw new HttpError('VALIDATION_FAILED', `Invalid payload for ${type}`, {
          details: parsed.error.issues,
        })
      }
      value = parsed.data
    }
    // A digest goes to the user it names: only that user (or a service) may ask for it.
    if (user && type === 'send-email-digest') actingUserId(user, (value as { userId?: string }).userId)
    if (type === 'http-request')
      checkTargetUrl((value as { url: string }).url, this.config.allowPrivateCallbacks)
    return value
  }

  /** `POST /v1/jobs`. */
  async create(
    input: CreateJob,
    user: AuthUser,
    headerKey?: string,
  ): Promise<{ record: JobRecord; created: boolean }> {
    const owner =
      input.user_id === undefined ? (user.isService ? null : user.userId) : actingUserId(user, input.user_id)
    const payload =
      input.type === undefined ? (input.payload ?? {}) : this.checkType(input.type, input.payload, user)
    if (input.callback_url !== undefined)
      checkTargetUrl(input.callback_url, this.config.allowPrivateCallbacks)
    if (input.run_at !== undefined && input.delay_ms !== undefined) {
      throw new HttpError('VALIDATION_FAILED', 'Give run_at or delay_ms, not both')
    }
    const now = this.config.clock.now()
    const due = input.run_at !== undefined ? Date.parse(input.run_at) : now + (input.delay_ms ?? 0)
    const key = input.idempotency_key ?? headerKey
    const record = this.#newRecord({
      queue: input.queue ?? 'default',
      type: input.type ?? null,
      payload,
      priority: input.priority ?? 0,
      max_attempts: input.max_attempts ?? this.config.defaultMaxAttempts,
      scheduled_at: iso(Math.max(due, now)),
      callback_url: input.callback_url ?? null,
      sign_payload: input.sign_payload ?? true,
      account_id: input.account_id ?? 'primary',
      user_id: owner,
      idempotency_key: key ?? null,
      schedule: null,
    })
    return this.#insert(record, key === undefined ? undefined : `${owner ?? '-'}:${key}`)
  }

  /** Creates a job on the server's own behalf (cron schedules). */
  async createInternal(input: InternalCreate): Promise<{ record: JobRecord; created: boolean }> {
    const payload = this.checkType(input.type, input.payload, null)
    const now = this.config.clock.now()
    const record = this.#newRecord({
      queue: input.queue ?? 'default',
      type: input.type,
      payload,
      priority: input.priority ?? 0,
      max_attempts: input.max_attempts ?? this.config.defaultMaxAttempts,
      scheduled_at: iso(now),
      callback_url: null,
      sign_payload: true,
      account_id: 'primary',
      user_id: input.user_id,
      idempotency_key: input.idempotencyKey ?? null,
      schedule: input.schedule ?? null,
    })
    return this.#insert(record, input.idempotencyKey)
  }

  #newRecord(
    fields: Pick<
      JobRecord,
      | 'queue'
      | 'type'
      | 'payload'
      | 'priority'
      | 'max_attempts'
      | 'scheduled_at'
      | 'callback_url'
      | 'sign_payload'
      | 'account_id'
      | 'user_id'
      | 'idempotency_key'
      | 'schedule'
    >,
  ): JobRecord {
    const now = iso(this.config.clock.now())
    return {
      id: randomUUID(),
      ...fields,
      status: 'pending',
      attempts: 0,
      started_at: null,
      completed_at: null,
      error: null,
      created_at: now,
      updated_at: now,
      progress: 0,
      result: null,
      dead_lettered: false,
      run: 0,
    }
  }

  async #insert(record: JobRecord, key: string | undefined) {
    const result = await this.store.insert(record, key)
    if (result.created) {
      await this.store.publish('job.created', result.record)
      await this.executor.dispatch(result.record)
    }
    return result
  }

  /**
   * Runs one attempt of job `id` (its execution `run`, when the executor knows it). Marks it
   * active, runs its handler and callback, and records the outcome: completed, a retry after
   * the backoff, or failed and dead-lettered after the last attempt.
   */
  async runAttempt(id: string, run?: number): Promise<AttemptOutcome> {
    const now = this.config.clock.now()
    let stalledOut = false
    const started = await this.store.update(id, (r) => {
      if (run !== undefined && r.run !== run) return undefined
      if (r.status !== 'pending' && r.status !== 'active') return undefined
      // 'active' here means the process running it died (BullMQ handed it over): that counts
      // as an attempt, and after the last one the job is dead-lettered like any failure.
      if (r.status === 'active' && r.attempts >= r.max_attempts) {
        stalledOut = true
        return this.#failed(r, 'The worker running the last attempt stopped', now)
      }
      return { ...r, status: 'active', attempts: r.attempts + 1, started_at: iso(now), updated_at: iso(now) }
    })
    if (!started?.changed) return { kind: 'skipped' }
    const record = started.record
    if (stalledOut) {
      await this.store.publish('job.failed', record)
      return { kind: 'failed', error: record.error ?? 'failed' }
    }
    await this.store.publish('job.active', record)

    const controller = new AbortController()
    this.#running.set(id, controller)
    try {
      const result = await untilAborted(this.#execute(record, controller.signal), controller.signal)
      const done = await this.store.update(id, (r) => {
        if (r.status !== 'active' || r.attempts !== record.attempts || r.run !== record.run) return undefined
        const t = iso(this.config.clock.now())
        return {
          ...r,
          status: 'completed',
          progress: 100,
          result: result ?? null,
          error: null,
          completed_at: t,
          updated_at: t,
        }
      })
      if (!done?.changed) return { kind: 'cancelled' }
      await this.store.publish('job.completed', done.record)
      return { kind: 'completed' }
    } catch (raw) {
      if (controller.signal.aborted || this.#closed) return { kind: 'cancelled' }
      const message = raw instanceof Error ? raw.message : String(raw)
      const failedAt = this.config.clock.now()
      let delayMs = 0
      const after = await this.store.update(id, (r) => {
        if (r.status !== 'active' || r.attempts !== record.attempts || r.run !== record.run) return undefined
        if (r.attempts >= r.max_attempts) return this.#failed(r, message, failedAt)
        delayMs = Math.round(jobBackoffMs(r.attempts) * this.config.timeScale)
        return {
          ...r,
          status: 'pending',
          error: message,
          scheduled_at: iso(failedAt + delayMs),
          updated_at: iso(failedAt),
        }
      })
      if (!after?.changed) return { kind: 'cancelled' }
      if (after.record.status === 'failed') {
        await this.store.publish('job.failed', after.record)
        return { kind: 'failed', error: message }
      }
      await this.store.publish('job.retrying', after.record)
      return { kind: 'retry', at: failedAt + delayMs, delayMs, error: message }
    } finally {
      this.#running.delete(id)
    }
  }

  #failed(r: JobRecord, message: string, at: number): JobRecord {
    return {
      ...r,
      status: 'failed',
      error: message,
      dead_lettered: true,
      completed_at: iso(at),
      updated_at: iso(at),
    }
  }

  async #execute(record: JobRecord, signal: AbortSignal): Promise<unknown> {
    let result: unknown = null
    if (record.type !== null) {
      const definition = this.config.types[record.type] as JobTypeDefinition | undefined
      if (!definition) throw new Error(`No handler for job type ${record.type} in this server`)
      const ctx: JobHandlerContext = {
        job: record,
        payload: record.payload,
        attempt: record.attempts,
        signal,
        logger: this.config.logger,
        progress: (percent) => this.#progress(record, percent),
      }
      result = await definition.handler(ctx)
    }
    if (record.callback_url) await this.#deliver(record, result, signal)
    return result
  }

  async #progress(record: JobRecord, percent: number): Promise<void> {
    const value = Math.max(0, Math.min(100, Math.round(Number(percent) || 0)))
    const updated = await this.store.update(record.id, (r) =>
      r.status === 'active' && r.attempts === record.attempts && r.run === record.run && r.progress !== value
        ? { ...r, progress: value, updated_at: iso(this.config.clock.now()) }
        : undefined,
    )
    if (updated?.changed) await this.store.publish('job.progress', updated.record)
  }

  /**
   * The real plugin's callback: POST the payload (a typed job: `{ id, type, queue, status,
   * result }`, an extension) with its job headers and signature; any 2xx is success.
   */
  async #deliver(record: JobRecord, result: unknown, signal: AbortSignal): Promise<void> {
    const url = record.callback_url as string
    const body = JSON.stringify(
      record.type === null
        ? record.payload
        : { id: record.id, type: record.type, queue: record.queue, status: 'completed', result },
    )
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-job-id': record.id,
      'x-job-queue': record.queue,
      'x-job-attempt': String(record.attempts),
    }
    if (record.sign_payload) {
      headers['x-webhook-signature'] = signWebhook(body, this.config.webhookSecret)
      headers['x-webhook-signature-version'] = 'v1'
    }
    const response = await safeRequest(url, {
      method: 'POST',
      headers,
      body,
      signal,
      timeoutMs: 30_000,
      allowPrivate: this.config.allowPrivateCallbacks,
    })
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`Callback ${url} answered ${response.status}`)
    }
  }

  /** Aborts the attempt of `id` if it runs in this process. */
  abortLocal(id: string): boolean {
    const controller = this.#running.get(id)
    if (!controller) return false
    controller.abort(new Error('cancelled'))
    return true
  }

  /** `POST /v1/jobs/{id}/cancel`: a pending job never runs; a running one's handler is aborted. */
  async cancel(id: string): Promise<{ record: JobRecord; changed: boolean } | undefined> {
    let previous: JobRecord | undefined
    const now = iso(this.config.clock.now())
    const result = await this.store.update(id, (r) => {
      if (r.status !== 'pending' && r.status !== 'active') return undefined
      previous = r
      return { ...r, status: 'cancelled', error: null, completed_at: now, updated_at: now }
    })
    if (!result?.changed || !previous) return result
    await this.store.publish('job.cancelled', result.record)
    if (previous.status === 'active') await this.executor.abort(id)
    else await this.executor.discard(previous)
    return result
  }

  /** Retry (`/v1/jobs/{id}/retry`, from `failed`) or revive (`/v1/dlq/{id}/revive`): pending again, attempts reset. */
  async requeue(
    id: string,
    from: 'failed' | 'dead-letter',
  ): Promise<{ record: JobRecord; changed: boolean } | undefined> {
    const now = this.config.clock.now()
    const result = await this.store.update(id, (r) => {
      if (from === 'failed' ? r.status !== 'failed' : !r.dead_lettered) return undefined
      return {
        ...r,
        status: 'pending',
        attempts: 0,
        progress: 0,
        result: null,
        error: null,
        started_at: null,
        completed_at: null,
        dead_lettered: false,
        scheduled_at: iso(now),
        updated_at: iso(now),
        run: r.run + 1,
      }
    })
    if (!result?.changed) return result
    await this.store.publish('job.requeued', result.record)
    await this.executor.dispatch(result.record)
    return result
  }

  /** `DELETE /v1/jobs/{id}` (not while it runs: cancel it first). */
  async remove(id: string): Promise<'deleted' | 'active' | 'not-found'> {
    const record = await this.store.get(id)
    if (!record) return 'not-found'
    if (record.status === 'active') return 'active'
    if (!(await this.store.remove(id))) return 'not-found'
    await this.store.publish('job.deleted', record)
    if (record.status === 'pending') await this.executor.discard(record)
    return 'deleted'
  }

  /** Stops: aborts local attempts (they stay `active`; BullMQ hands them to another worker). */
  async close(): Promise<void> {
    this.#closed = true
    await this.#executor?.close()
    for (const controller of this.#running.values()) controller.abort(new Error('server closing'))
  }

  /** `true` once {@link JobEngine.close} was called. */
  get closing(): boolean {
    return this.#closed
  }
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (the handler may ignore it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
