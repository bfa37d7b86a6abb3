import { HttpError } from '../../http/http-error'
import { readBody } from '../../http/json-body'
import type { RequestContext } from '../../http/request-context'

/** Largest form body the OAuth endpoints read. */
const FORM_LIMIT = 16 * 1024

/**
 * Reads an `application/x-www-form-urlencoded` body (as OAuth's token, revoke and the
 * authorize page's form send it). Repeated fields keep every value in `all`.
 */
export async function readForm(
  ctx: RequestContext,
): Promise<{ fields: Record<string, string>; all: URLSearchParams }> {
  const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    ctx.req.resume()
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/x-www-form-urlencoded')
  }
  const raw = await readBody(ctx.req, FORM_LIMIT)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    throw new HttpError('BAD_REQUEST', 'Form body is not valid UTF-8')
  }
  const all = new URLSearchParams(text)
  const fields: Record<string, string> = {}
  // The first value wins; OAuth forbids repeating a parameter, and the callers check `all`.
  for (const [key, value] of all) if (!(key in fields)) fields[key] = value
  return { fields, all }
}

/** Parameters that appear more than once (OAuth: "MUST NOT be included more than once"). */
export function repeatedParams(params: URLSearchParams, allowed: readonly string[] = []): string[] {
  const seen = new Set<string>()
  const repeated = new Set<string>()
  for (const key of params.keys()) {
    if (seen.has(key) && !allowed.includes(key)) repeated.add(key)
    seen.add(key)
  }
  return [...repeated]
}
