// Plain data, no zod (see constants.ts).

/**
 * Every machine-readable error code the nself SDKs and reference servers use. The list is
 * closed: clients switch on it, so a code is only ever added, never renamed or removed.
 */
export const ERROR_CODES = [
  // Transport and protocol (client side)
  'NETWORK_ERROR',
  'TIMEOUT',
  'ABORTED',
  'INVALID_RESPONSE',
  'NOT_CONFIGURED',
  // HTTP semantics (server side)
  'BAD_REQUEST',
  'MALFORMED_JSON',
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'INVALID_TOKEN',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'UNAVAILABLE',
  'UPSTREAM_ERROR',
  // realtime (the real plugin's ack codes first)
  'ROOM_NOT_FOUND',
  'ROOM_FORBIDDEN',
  'CONNECTION_LIMIT',
  // realtime client: the offline outbox refused or dropped a message (never silently)
  'OUTBOX_FULL',
  'MESSAGE_EXPIRED',
  // jobs: a user token asked for a job type outside JOBS_CLIENT_TYPES; a callback_url (or an
  // http-request job's url) points at a private or loopback address
  'JOB_TYPE_NOT_ALLOWED',
  'CALLBACK_URL_FORBIDDEN',
  // idme: the verification flow's outcomes (`?idme=error&code=<result>` maps 1:1, see
  // IDME_RESULT_ERRORS in @nself/contracts/idme); NOT_CONFIGURED and UPSTREAM_ERROR serve too
  'IDME_ACCESS_DENIED',
  'IDME_STATE_MISMATCH',
  'IDME_STATE_EXPIRED',
  'IDME_INVALID_GRANT',
  // idme: a webhook whose signature is missing, wrong or outside the replay window
  'IDME_INVALID_SIGNATURE',
  // files: processing ended `failed` (a state, not an HTTP status: `details.code` is one of
  // PROCESSING_ERROR_CODES in @nself/contracts/files); an unfinished tus upload past its expiry (410)
  'PROCESSING_FAILED',
  'UPLOAD_EXPIRED',
] as const

/** A stable, machine-readable error code. See {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number]

/** HTTP status a server answers with for each server-side code. */
export const ERROR_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  ROOM_FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROOM_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_ERROR: 502,
  UNAVAILABLE: 503,
  CONNECTION_LIMIT: 503,
  JOB_TYPE_NOT_ALLOWED: 403,
  CALLBACK_URL_FORBIDDEN: 400,
  IDME_ACCESS_DENIED: 403,
  IDME_STATE_MISMATCH: 400,
  IDME_STATE_EXPIRED: 400,
  IDME_INVALID_GRANT: 400,
  IDME_INVALID_SIGNATURE: 401,
  UPLOAD_EXPIRED: 410,
}

/** Is `value` one of the {@link ERROR_CODES}? */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}
