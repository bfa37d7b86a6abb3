// Shared by the integration tests (named .test.ts so the declaration build skips it; it has no tests).
import { createRealtimeServer, type RealtimeServer } from '@nself/server-stubs'
import { startTestStubs, TEST_JWT_SECRET, type TestStubs } from '@nself/server-stubs/testing'
import { createRealtimeClient, type RealtimeClient, type RealtimeClientOptions } from '../src/index'

/** Polls `check` until it holds (or throws after `ms`). */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Test env of the stub: no rate limit unless asked, short timeouts. */
export const STUB_ENV = { NODE_ENV: 'test', REALTIME_RATE_LIMIT: '0' }

export interface Harness {
  stubs: TestStubs<'realtime'>
  url: string
  server(): RealtimeServer
  /** A client for `userId` against the stub (one socket per client; fast reconnects). */
  client(userId: string, options?: RealtimeClientOptions): RealtimeClient & { release(): void }
  /** Closes the server and starts a new one on the same port (a crash and restart). */
  restart(downMs?: number): Promise<void>
  /** Cuts `userId`'s connections from the server side (their clients reconnect). */
  drop(userId: string): void
  /** Connections the server holds now. */
  connections(): number
  close(): Promise<void>
}

export async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const stubs = await startTestStubs(['realtime'], { env: { ...STUB_ENV, ...env } })
  let server: RealtimeServer = stubs.servers.realtime
  const url = stubs.urls.realtime
  const port = Number(new URL(url).port)
  const clients: Array<RealtimeClient & { release(): void }> = []
  let restarted = false
  return {
    stubs,
    url,
    server: () => server,
    client(userId, options = {}) {
      const c = createRealtimeClient({
        url,
        getToken: () => stubs.token(userId),
        tabSharing: false,
        idleAwayMs: false,
        ackTimeoutMs: 2_000,
        socket: { reconnectionDelay: 50, reconnectionDelayMax: 300, transports: ['websocket'] },
        ...options,
      })
      const release = c.connect()
      const h = Object.assign(c, { release })
      clients.push(h)
      return h
    },
    async restart(downMs = 0) {
      await server.close()
      if (downMs) await sleep(downMs)
      server = await createRealtimeServer({
        port,
        host: '127.0.0.1',
        jwtSecret: TEST_JWT_SECRET,
        logger: false,
        env: { ...STUB_ENV, ...env },
      })
      restarted = true
    },
    drop(userId) {
      for (const socket of server.io.sockets.sockets.values())
        if (socket.data.user?.userId === userId) socket.conn.close()
    },
    connections: () => server.state.sockets.size,
    async close() {
      for (const c of clients.splice(0)) c.close()
      if (restarted) await server.close()
      await stubs.close()
    },
  }
}
