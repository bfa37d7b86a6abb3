import * as z from 'zod/mini'
import { ERROR_CODES } from './error-codes'

/** Runtime check for {@link ErrorCode}. */
export const ErrorCodeSchema = z.enum(ERROR_CODES)

/**
 * The error body every nself reference server answers with. `error` stays a human-readable
 * string, as the real plugins send it, so their existing clients keep working; `code` is ours.
 */
export const ErrorBodySchema = z.object({
  /** Human-readable message, safe to log; not meant for end users verbatim. */
  error: z.string(),
  /** Stable machine code (extension: the real plugins send only `error`). */
  code: z.optional(z.string()),
  /** Structured detail, e.g. the validation issues of a rejected body. */
  details: z.optional(z.unknown()),
})
export type ErrorBody = z.infer<typeof ErrorBodySchema>
