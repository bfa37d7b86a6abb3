import type { IncomingMessage } from 'node:http'
import { HttpError } from './http-error'

/** Default limit of a JSON request body: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

/**
 * Reads a request body as JSON, at most `limit` bytes. Resolves `undefined` for an empty
 * body. Rejects with an {@link HttpError}: `PAYLOAD_TOO_LARGE` (413) past the limit,
 * `MALFORMED_JSON` (400) for bytes that are not UTF-8 JSON, `UNSUPPORTED_MEDIA_TYPE` (415)
 * for a compressed body.
 */
export async function readJsonBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const raw = await readBody(req, limit)
  if (raw.length === 0) return undefined
  let source: string
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    throw new HttpError('MALFORMED_JSON', 'Request body is not valid UTF-8')
  }
  if (source.trim() === '') return undefined
  try {
    return JSON.parse(source)
  } catch (error) {
    throw new HttpError('MALFORMED_JSON', 'Request body is not valid JSON', {
      details: { reason: error instanceof Error ? error.message : String(error) },
    })
  }
}

/** Reads the raw request body, at most `limit` bytes (413 past it). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding']
  if (encoding !== undefined && encoding !== 'identity') {
    req.resume()
    return Promise.reject(
      new HttpError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not supported`),
    )
  }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    return Promise.reject(tooLarge(limit))
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (error: HttpError | undefined) => {
      if (done) return
      done = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onAborted)
      if (error) {
        // Discard the rest so the socket is not left half-read.
        req.resume()
        reject(error)
      } else {
        resolve(Buffer.concat(chunks, size))
      }
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) finish(tooLarge(limit))
      else chunks.push(chunk)
    }
    const onEnd = () => finish(undefined)
    const onError = (error: Error) =>
      finish(new HttpError('BAD_REQUEST', 'Request body could not be read', { cause: error }))
    const onAborted = () => finish(new HttpError('BAD_REQUEST', 'Request aborted'))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}

function tooLarge(limit: number): HttpError {
  return new HttpError('PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`, {
    details: { limit },
    headers: { connection: 'close' },
  })
}
