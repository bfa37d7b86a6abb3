import { type ErrorCode, isErrorCode } from '@nself/contracts'

export type { ErrorCode } from '@nself/contracts'

// A registered symbol, so `isNselfError` recognises errors created by another copy of this
// module (Next.js loads server and client bundles separately; npm may duplicate packages).
const BRAND = Symbol.for('@nself/error')

/** Options for {@link NselfError}. */
export interface NselfErrorOptions {
  /** HTTP status that produced the error, when there was a response. */
  status?: number
  /** Whether repeating the same call may succeed (network errors, 5xx, 429). */
  retryable?: boolean
  /** The underlying error (a `TypeError` from fetch, a zod error, …). */
  cause?: unknown
  /** Structured detail from the server's error body, e.g. validation issues. */
  details?: unknown
  /** Milliseconds the server asked us to wait before retrying (`Retry-After`). */
  retryAfterMs?: number
}

/**
 * The one error type every nself SDK throws or rejects with. Switch on `code`, which comes
 * from a closed list ({@link ErrorCode}); `message` is for logs.
 */
export class NselfError extends Error {
  // `declare`: the constructor assigns every field, so no field initialisers are emitted.
  /** Stable machine-readable code. */
  declare readonly code: ErrorCode
  /** HTTP status, when the error came from a response. */
  declare readonly status: number | undefined
  /** Whether repeating the same call may succeed. */
  declare readonly retryable: boolean
  /** Structured detail from the server. */
  declare readonly details: unknown
  /** Milliseconds the server asked to wait before a retry. */
  declare readonly retryAfterMs: number | undefined
  readonly [BRAND] = true

  constructor(code: ErrorCode, message: string, options: NselfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'NselfError'
    this.code = code
    this.status = options.status
    this.retryable = options.retryable ?? defaultRetryable(code, options.status)
    this.details = options.details
    this.retryAfterMs = options.retryAfterMs
  }

  /** A plain object for logging and for crossing `postMessage` / server-action boundaries. */
  toJSON(): {
    name: string
    code: ErrorCode
    message: string
    status?: number
    retryable: boolean
    details?: unknown
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      retryable: this.retryable,
      ...(this.details === undefined ? {} : { details: this.details }),
    }
  }
}

/** Is `value` an {@link NselfError}, from this copy of the SDK or any other? */
export function isNselfError(value: unknown): value is NselfError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}

function defaultRetryable(code: ErrorCode, status: number | undefined): boolean {
  if (code === 'NETWORK_ERROR' || code === 'TIMEOUT' || code === 'RATE_LIMITED' || code === 'UNAVAILABLE')
    return true
  return status !== undefined && status >= 500
}

// The first code `ERROR_STATUS` gives each status, less the two the fallback already gives
// (400, 500). Written out rather than derived, so a bundle that does not call `codeForStatus`
// keeps no table and one that does keeps 11 entries instead of ERROR_STATUS's 27 (errors.test.ts
// checks it against ERROR_STATUS).
const STATUS_CODES: Record<number, ErrorCode> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  410: 'UPLOAD_EXPIRED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  502: 'UPSTREAM_ERROR',
  503: 'UNAVAILABLE',
}

/** The {@link ErrorCode} for an HTTP status when the body names none. */
export function codeForStatus(status: number): ErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST')
}

/**
 * Builds the error for a non-2xx response from its status and (parsed) body. The plugins
 * answer `{ error: string, code?: string, details? }`; a body without our `code` — as the
 * real plugins send — gets the code that matches its status.
 */
export function errorFromResponse(status: number, body: unknown, retryAfterMs?: number): NselfError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const code = isErrorCode(record.code) ? record.code : codeForStatus(status)
  const message =
    typeof record.error === 'string'
      ? record.error
      : typeof body === 'string' && body
        ? body
        : `HTTP ${status}`
  return new NselfError(code, message, {
    status,
    details: record.details,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
}

/** Wraps anything thrown into an {@link NselfError} (an `AbortError` becomes `ABORTED`). */
export function toNselfError(error: unknown, fallback: ErrorCode = 'NETWORK_ERROR'): NselfError {
  if (isNselfError(error)) return error
  if (isAbortError(error)) return abortedError(error)
  return new NselfError(fallback, messageOf(error), { cause: error })
}

/** The `ABORTED` error for a cancelled call (internal, shared with `sleep`). */
export function abortedError(cause: unknown): NselfError {
  return new NselfError('ABORTED', 'The operation was aborted', { cause })
}

/** `error.message`, or the thrown value as a string (internal, shared with the transports). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Is this the error `fetch` or `AbortSignal` throw on abort? */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError'
}
