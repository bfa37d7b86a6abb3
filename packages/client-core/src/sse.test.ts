import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type EventStreamState, openEventStream, readEvents, type ServerSentEvent } from '@nself/client-core'
import { afterEach, describe, expect, it } from 'vitest'

let server: Server | undefined
afterEach(async () => {
  const s = server
  server = undefined
  if (!s) return
  s.closeAllConnections()
  await new Promise((r) => s.close(r))
})

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler)
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`
}

function bodyOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream({
    start(controller) {
      // Split into 3-byte chunks to exercise lines and CRLF pairs across chunk boundaries.
      for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3))
      controller.close()
    },
  })
}

describe('readEvents', () => {
  it('parses fields, multi-line data, comments, CRLF and ids as the spec says', async () => {
    const events: ServerSentEvent[] = []
    const retries: number[] = []
    await readEvents(
      bodyOf(
        ': hello\r\nid: 1\r\nevent: counts\r\ndata: {"a":1}\r\n\r\ndata: line1\ndata:line2\n\nretry: 1500\nevent: x\n\n',
      ),
      {
        onEvent: (e) => events.push(e),
        onRetry: (ms) => retries.push(ms),
      },
    )
    expect(events).toEqual([
      { event: 'counts', data: '{"a":1}', id: '1' },
      { event: 'message', data: 'line1\nline2', id: '1' },
    ])
    expect(retries).toEqual([1500])
  })
})

describe('openEventStream', () => {
  it('reconnects after a cut with Last-Event-ID and misses nothing', async () => {
    const total = 50
    const lastIds: Array<string | undefined> = []
    const auths: Array<string | undefined> = []
    const url = await listen((req, res) => {
      const last = req.headers['last-event-id']
      lastIds.push(typeof last === 'string' ? last : undefined)
      auths.push(req.headers.authorization)
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.write('retry: 10\n\n')
      const from = last ? Number(last) + 1 : 1
      // Each connection sends at most 7 events, then the connection is cut mid-event.
      let i = from
      for (; i <= total && i < from + 7; i++) res.write(`id: ${i}\nevent: n\ndata: ${i}\n\n`)
      if (i <= total) {
        res.write(`id: ${i}\ndata: partial`)
        // Let the bytes reach the client before the cut.
        setTimeout(() => res.destroy(), 15)
      }
    })
    const seen: number[] = []
    const states: EventStreamState[] = []
    let token = 0
    await new Promise<void>((resolve) => {
      const stream = openEventStream({
        url,
        getToken: () => `t${++token}`,
        onEvent: (e) => {
          seen.push(Number(e.data))
          if (seen.length === total) {
            stream.close()
            resolve()
          }
        },
        onStateChange: (s) => states.push(s),
      })
    })
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    expect(lastIds[0]).toBeUndefined()
    expect(lastIds.slice(1)).toEqual(['7', '14', '21', '28', '35', '42', '49'])
    expect(auths.slice(0, 2)).toEqual(['Bearer t1', 'Bearer t2'])
    expect(states).toContain('reconnecting')
  })

  it('refreshes the token once on 401, and stops on a non-retryable error', async () => {
    const auths: Array<string | undefined> = []
    const url = await listen((req, res) => {
      auths.push(req.headers.authorization)
      if (req.headers.authorization === 'Bearer fresh') {
        res.writeHead(403, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'not yours', code: 'FORBIDDEN' }))
        return
      }
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'expired', code: 'TOKEN_EXPIRED' }))
    })
    const errors: string[] = []
    await new Promise<void>((resolve) => {
      openEventStream({
        url,
        getToken: ({ forceRefresh }) => (forceRefresh ? 'fresh' : 'stale'),
        onEvent: () => {},
        onError: (e) => errors.push(e.code),
        onStateChange: (s) => s === 'closed' && resolve(),
      })
    })
    expect(auths).toEqual(['Bearer stale', 'Bearer fresh'])
    expect(errors).toEqual(['FORBIDDEN'])
  })
})
