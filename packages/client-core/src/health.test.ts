import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fetchHealth, isNselfError, type NselfError } from '@nself/client-core'
import { PLUGINS } from '@nself/contracts'
import { startTestStubs, type TestStubs } from '@nself/server-stubs/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let stubs: TestStubs
beforeAll(async () => {
  stubs = await startTestStubs()
})
afterAll(() => stubs.close())

async function failure(promise: Promise<unknown>): Promise<NselfError> {
  try {
    await promise
  } catch (error) {
    if (isNselfError(error)) return error
    throw error
  }
  throw new Error('expected the health check to fail')
}

describe('fetchHealth', () => {
  it.each(PLUGINS)('reads the %s stub in the real plugin shape', async (plugin) => {
    const body = (await fetchHealth(plugin, { baseUrl: stubs.urls[plugin] })) as unknown as Record<
      string,
      unknown
    >
    expect(['ok', 'healthy']).toContain(body.status)
  })

  it('reports an unreachable plugin as NETWORK_ERROR', async () => {
    expect((await failure(fetchHealth('jobs', { baseUrl: 'http://127.0.0.1:1' }))).code).toBe('NETWORK_ERROR')
  })

  it('reports an unhealthy answer, a contract mismatch and a timeout by their codes', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/down/health') {
        res.writeHead(503, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'draining' }))
      } else if (req.url === '/odd/health') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ status: 'fine' }))
      }
      // /slow/health never answers
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      expect(await failure(fetchHealth('jobs', { baseUrl: `${base}/down` }))).toMatchObject({
        code: 'UNAVAILABLE',
        status: 503,
        message: 'draining',
      })
      expect((await failure(fetchHealth('jobs', { baseUrl: `${base}/odd` }))).code).toBe('INVALID_RESPONSE')
      expect((await failure(fetchHealth('jobs', { baseUrl: `${base}/slow`, timeoutMs: 100 }))).code).toBe(
        'TIMEOUT',
      )
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })
})
