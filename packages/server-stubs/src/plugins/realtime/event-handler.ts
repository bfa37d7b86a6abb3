import type { ErrorCode } from '@nself/contracts'
import type { AckError as AckErrorBody } from '@nself/contracts/realtime'
import type { SafeParser } from '../../http/request-context'
import type { RealtimeContext } from './handlers'
import type { RealtimeSocket } from './realtime-types'

/** Thrown by an event handler: answered as `{ success: false, error: { code, message, details? } }`. */
export class AckError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode
  /** Structured detail, sent as `error.details` when defined. */
  readonly details: unknown

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message)
    this.name = 'AckError'
    this.code = code
    this.details = details
  }

  /** The ack's `error`. */
  toBody(): AckErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

/** An ack callback, or nothing when the client asked for none. */
export type AckFn = (response: unknown) => void

/** Splits Socket.IO listener arguments into the payload and the ack (the last argument, if a function). */
export function splitArgs(args: readonly unknown[]): { payload: unknown; ack: AckFn | undefined } {
  const last = args[args.length - 1]
  const ack = typeof last === 'function' ? (last as AckFn) : undefined
  const payloadCount = ack ? args.length - 1 : args.length
  return { payload: payloadCount > 0 ? args[0] : undefined, ack }
}

/** Answers `ack` with an error, when there is an ack. */
export function ackError(ack: AckFn | undefined, error: AckError): void {
  ack?.({ success: false, error: error.toBody() })
}

const queues = new WeakMap<RealtimeSocket, Promise<void>>()

/**
 * Runs `work` after everything queued before on `socket`: each connection's events are
 * handled one at a time, in the order they arrived, whatever the store's latency — so a
 * sender's messages keep their order and a disconnect's cleanup runs after its last event.
 */
export function enqueue(socket: RealtimeSocket, work: () => Promise<void>): Promise<void> {
  const next = (queues.get(socket) ?? Promise.resolve()).then(work, work)
  const settled = next.catch(() => {})
  queues.set(socket, settled)
  return settled
}

/**
 * Registers `event` on `socket`: the payload is validated with `schema` (a
 * `VALIDATION_FAILED` ack otherwise), `handler` runs in the socket's queue, and its result
 * is acked as `{ success: true, data? }`, an {@link AckError} as its error, anything else as
 * `INTERNAL_ERROR` (logged). Nothing a client sends can throw out of here.
 */
export function onEvent<T>(
  socket: RealtimeSocket,
  ctx: RealtimeContext,
  event: string,
  schema: SafeParser<T>,
  handler: (payload: T) => Promise<unknown> | unknown,
): void {
  const listener = (...args: unknown[]) => {
    const { payload, ack } = splitArgs(args)
    const parsed = schema.safeParse(payload)
    if (!parsed.success) {
      ctx.counters.rejected.inc({ event, code: 'VALIDATION_FAILED' })
      ackError(
        ack,
        new AckError('VALIDATION_FAILED', `Invalid ${event} payload`, summarizeIssues(parsed.error.issues)),
      )
      return
    }
    void enqueue(socket, async () => {
      try {
        const data = await handler(parsed.data)
        ack?.(data === undefined ? { success: true } : { success: true, data })
      } catch (error) {
        if (error instanceof AckError) {
          ctx.counters.rejected.inc({ event, code: error.code })
          ackError(ack, error)
          return
        }
        ctx.logger.error({ msg: 'realtime event failed', plugin: 'realtime', event, error })
        ctx.counters.rejected.inc({ event, code: 'INTERNAL_ERROR' })
        ackError(ack, new AckError('INTERNAL_ERROR', `Failed to handle ${event}`))
      }
    })
  }
  ;(socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(
    event,
    listener,
  )
}

/** At most a few issues, as `{ path, message }`, so an ack stays small whatever was sent. */
function summarizeIssues(issues: readonly unknown[]): Array<{ path: string; message: string }> {
  return issues.slice(0, 5).map((issue) => {
    const { path, message } = issue as { path?: readonly PropertyKey[]; message?: string }
    return {
      path: (path ?? []).map((key) => String(key)).join('.'),
      message: String(message ?? 'invalid').slice(0, 200),
    }
  })
}
