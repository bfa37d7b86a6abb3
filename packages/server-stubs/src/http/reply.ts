import type { ServerResponse } from 'node:http'
import type { ErrorBody } from '@nself/contracts'

/** What a route handler returns: a status, headers and an already-serialised body. */
export interface Reply {
  /** HTTP status code. */
  status: number
  /** Response headers (lower- or mixed-case names). */
  headers: Record<string, string>
  /** The body; `undefined` for none. */
  body: string | Uint8Array | undefined
}

/** A JSON reply (`application/json; charset=utf-8`). */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  }
}

/** A text reply with the given content type (default `text/plain; charset=utf-8`). */
export function text(
  body: string,
  status = 200,
  headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' },
): Reply {
  return { status, headers, body }
}

/** An empty reply (default 204). */
export function empty(status = 204, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: undefined }
}

/** A typed error reply, `{ error, code, details? }`. */
export function errorReply(status: number, body: ErrorBody, headers: Record<string, string> = {}): Reply {
  return json(body, status, headers)
}

/** Writes `reply` to `res` unless the response has already started. */
export function sendReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return
  const headers: Record<string, string | number> = { ...reply.headers }
  if (reply.body !== undefined) headers['content-length'] = Buffer.byteLength(reply.body)
  res.writeHead(reply.status, headers)
  res.end(reply.body)
}
