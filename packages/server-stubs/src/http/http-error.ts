import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '@nself/contracts'

/**
 * An error with a stable {@link ErrorCode} that the stubs answer as a typed error body
 * (`{ error, code, details? }`) with the code's HTTP status. Throw it from any route handler.
 */
export class HttpError extends Error {
  /** Stable machine-readable code, sent as `code`. */
  readonly code: ErrorCode
  /** HTTP status of the response (from `ERROR_STATUS` unless given). */
  readonly status: number
  /** Structured detail, sent as `details` when defined. */
  readonly details: unknown
  /** Extra response headers, e.g. `Allow` on a 405. */
  readonly headers: Readonly<Record<string, string>>

  constructor(
    code: ErrorCode,
    message: string,
    options: { status?: number; details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HttpError'
    this.code = code
    this.status = options.status ?? ERROR_STATUS[code] ?? 500
    this.details = options.details
    this.headers = options.headers ?? {}
  }

  /** The response body, in the shape of `ErrorBodySchema`. */
  toBody(): ErrorBody {
    return this.details === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, code: this.code, details: this.details }
  }
}

/** Is `value` an {@link HttpError}? */
export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError
}
