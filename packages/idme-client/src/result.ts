import { type ErrorCode, NselfError } from '@nself/client-core'
import { IDME_RESULT_ERRORS, type IdmeResultError } from '@nself/contracts/idme'

/** What `?idme=…` on the return URL says about the last verification attempt. */
export type IdmeResult = { ok: true } | { ok: false; error: NselfError }

/**
 * The {@link NselfError} for a result code of `?idme=error&code=<code>` (or an OAuth `error`):
 * `access_denied` → `IDME_ACCESS_DENIED`, `state_mismatch` → `IDME_STATE_MISMATCH`,
 * `state_expired` → `IDME_STATE_EXPIRED`, `invalid_grant` → `IDME_INVALID_GRANT`,
 * `not_configured` → `NOT_CONFIGURED`, `upstream_error` (and anything unknown) → `UPSTREAM_ERROR`,
 * `unauthenticated` → `UNAUTHENTICATED`.
 */
export function idmeResultError(code: string | null | undefined, message?: string): NselfError {
  const key = code ?? ''
  const mapped: ErrorCode = Object.hasOwn(IDME_RESULT_ERRORS, key)
    ? IDME_RESULT_ERRORS[key as IdmeResultError]
    : 'UPSTREAM_ERROR'
  return new NselfError(mapped, message ?? `ID.me verification failed: ${code ?? 'unknown'}`, {
    details: { result: code },
  })
}

/** The result code of `?idme=error&code=…` for an error code (the inverse of {@link idmeResultError}). */
export function idmeResultCode(code: string): IdmeResultError {
  for (const [result, mapped] of Object.entries(IDME_RESULT_ERRORS))
    if (mapped === code) return result as IdmeResultError
  return 'upstream_error'
}

/** Reads `?idme=verified` / `?idme=error&code=…` from a query string; `undefined` when absent. */
export function parseIdmeResult(search: string | URLSearchParams): IdmeResult | undefined {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search
  const value = params.get('idme')
  if (value === 'verified') return { ok: true }
  if (value === 'error') return { ok: false, error: idmeResultError(params.get('code')) }
  return undefined
}
