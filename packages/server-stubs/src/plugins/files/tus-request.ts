import type { IncomingMessage, ServerResponse } from 'node:http'
import { finished } from 'node:stream'
import type { Server as TusServer } from '@tus/server'

/**
 * The body of `req` as a web stream of its own chunks, with the backpressure and end/abort
 * handling of `Readable.toWeb`. `Readable.toWeb` also copies every chunk into a new buffer (so
 * a consumer that transfers a buffer cannot detach Node's pooled memory); @tus/server reads the
 * body only through `Readable.fromWeb`, which never transfers, so here the copy — a fresh
 * allocation per 64 KiB, a sixth of the stub's CPU for a large upload — buys nothing.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let cancelled = false
  req.pause()
  const cleanup = finished(req, (error) => {
    cleanup()
    // A legacy stream may emit `error` again after `finished`.
    req.on('error', () => {})
    if (error) {
      const aborted = (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE'
      controller.error(aborted ? new DOMException('The request was aborted', 'AbortError') : error)
    } else if (!cancelled) {
      controller.close()
    }
  })
  req.on('data', (chunk: Buffer) => {
    controller.enqueue(chunk)
    if ((controller.desiredSize ?? 0) <= 0) req.pause()
  })
  return new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c
      },
      pull: () => {
        req.resume()
      },
      cancel: (reason) => {
        cancelled = true
        req.destroy(reason instanceof Error ? reason : undefined)
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: req.readableHighWaterMark }),
  )
}

/**
 * Lets @tus/server answer a request that carries upload bytes (`PATCH`, creation-with-upload
 * `POST`), as `tus.handle()` does but without its per-chunk copy of the body (see
 * {@link bodyStream}). The request keeps `runtime.node`, as srvx sets it, so tus and our hooks
 * still see the Node request.
 */
export async function handleTusUpload(
  tus: TusServer,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  const request = new Request(new URL(req.url ?? '/', 'http://localhost'), {
    method: req.method ?? 'PATCH',
    headers,
    body: bodyStream(req),
    duplex: 'half',
  } as RequestInit)
  Object.assign(request, { runtime: { name: 'node', node: { req, res } } })
  const response = await tus.handleWeb(request)
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined
  if (res.headersSent || res.destroyed) return
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(body)
}
