// A raw HTTP client for the stub tests (not built, not published).
import { request as httpRequest } from 'node:http'

/**
 * A raw HTTP exchange (for headers and bodies fetch will not send). The path is sent exactly
 * as given — `..` and percent-escapes included — where `fetch` and `new URL` would normalise it.
 */
export function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string | number>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const match = /^http:\/\/([^/:]+):(\d+)(\/.*)?$/.exec(url)
  if (!match) throw new Error(`not an http URL: ${url}`)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: match[1],
        port: Number(match[2]),
        path: match[3] ?? '/',
        method: init.method ?? 'GET',
        headers: init.headers,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(init.body)
  })
}
