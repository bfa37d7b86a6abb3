// Starts what the browser tests drive: the five stub servers on free ports, the example app
// built against them (NEXT_PUBLIC_* are inlined at build time) and served by `next start`,
// and a control server through which tests stop and restart the realtime stub.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { IDME_DEV_CLIENT } from '@nself/contracts/idme'
import { createRealtimeServer, type RealtimeServer, startStubs } from '@nself/server-stubs'
import type { TestProject } from 'vitest/node'

const root = join(import.meta.dirname, '..')
const example = join(root, 'examples', 'nextjs')

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      if (res.status < 500) return
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`)
}

export default async function setup(project: TestProject) {
  // Only this run's screenshots in the folder CI keeps.
  rmSync(join(root, 'artifacts', 'e2e'), { recursive: true, force: true })
  // `next start` runs with NODE_ENV=production: the app needs a real secret to sign session
  // tokens and explicit ID.me settings. One secret per run, shared with the stubs.
  const jwtSecret = randomBytes(32).toString('hex')
  const port = await freePort()
  const appUrl = `http://127.0.0.1:${port}`
  const idmeRedirectUri = `${appUrl}/api/idme/callback`
  // In memory (no REDIS_URL), so parallel runs never share queues; the fake ID.me accepts only
  // registered redirect URIs: this run's app callback.
  const { REDIS_URL: _redis, ...stubEnv } = process.env
  const shared = {
    logger: false as const,
    jwtSecret,
    env: { ...stubEnv, IDME_REDIRECT_URI: idmeRedirectUri },
  }
  // The realtime stub on its own, so the control server can stop it and start it again.
  const realtime = await realtimeControl((port = 0) => createRealtimeServer({ ...shared, port }))
  const first = await startStubs({
    ...shared,
    plugins: ['notifications', 'files', 'idme'],
    ports: { notifications: 0, files: 0, idme: 0 },
  }).catch(async (error: unknown) => {
    await realtime.close()
    throw error
  })
  // The jobs stub mails digests through the notifications stub, so it starts second.
  const second = await startStubs({
    ...shared,
    env: { ...shared.env, JOBS_NOTIFICATIONS_URL: first.urls.notifications },
    plugins: ['jobs'],
    ports: { jobs: 0 },
  }).catch(async (error: unknown) => {
    await Promise.all([first.close(), realtime.close()])
    throw error
  })
  const urls = { realtime: realtime.url, ...first.urls, ...second.urls }
  const closeStubs = () => Promise.all([realtime.close(), first.close(), second.close()])
  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: '1',
    NEXT_PUBLIC_REALTIME_URL: urls.realtime,
    NEXT_PUBLIC_NOTIFICATIONS_URL: urls.notifications,
    NEXT_PUBLIC_JOBS_URL: urls.jobs,
    NEXT_PUBLIC_FILE_PROCESSING_URL: urls.files,
    NEXT_PUBLIC_IDME_URL: urls.idme,
    NSELF_JWT_SECRET: jwtSecret,
    // The example's ID.me route handlers, pointed at the fake ID.me of the idme stub.
    IDME_BASE_URL: urls.idme,
    IDME_CLIENT_ID: IDME_DEV_CLIENT.clientId,
    IDME_CLIENT_SECRET: IDME_DEV_CLIENT.clientSecret,
    IDME_REDIRECT_URI: idmeRedirectUri,
    NSELF_E2E: '1',
  }
  execFileSync('npx', ['next', 'build'], { cwd: example, env, stdio: 'inherit' })
  const app: ChildProcess = spawn(
    'npx',
    ['next', 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: example,
      env,
      stdio: 'inherit',
      detached: true,
    },
  )
  await waitFor(appUrl, 60_000)
  project.provide('appUrl', appUrl)
  project.provide('stubUrls', urls)
  project.provide('stubControlUrl', realtime.controlUrl)

  return async () => {
    if (app.pid) process.kill(-app.pid, 'SIGTERM')
    await closeStubs()
  }
}

/**
 * The realtime stub, restartable: `POST /realtime/stop` closes it (every socket dropped),
 * `POST /realtime/start` starts a fresh one (in memory, same secret and env) on the same port.
 * Both answer 204 once done and do nothing if already so; `close()` stops the control server
 * and the stub, whatever state a test left it in.
 */
async function realtimeControl(start: (port?: number) => Promise<RealtimeServer>) {
  let server: RealtimeServer | undefined = await start()
  const { port, url } = server
  // One operation at a time, in the order asked.
  let queue = Promise.resolve()
  const run = (op: () => Promise<void>) => {
    const next = queue.then(op)
    queue = next.catch(() => {})
    return next
  }
  const stop = () =>
    run(async () => {
      await server?.close()
      server = undefined
    })
  const restart = () =>
    run(async () => {
      server ??= await start(port)
    })
  const control = createHttpServer((req, res) => {
    const action = req.method === 'POST' ? req.url : undefined
    const op = action === '/realtime/stop' ? stop : action === '/realtime/start' ? restart : undefined
    if (!op) {
      res.writeHead(404).end()
      return
    }
    op().then(
      () => res.writeHead(204).end(),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    )
  })
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject)
    control.listen(0, '127.0.0.1', () => resolve())
  }).catch(async (error: unknown) => {
    await stop()
    throw error
  })
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`
  return {
    url,
    controlUrl,
    close: async () => {
      await new Promise<void>((resolve) => {
        control.close(() => resolve())
        control.closeAllConnections()
      })
      await stop()
    },
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string
    stubUrls: Record<'realtime' | 'notifications' | 'jobs' | 'files' | 'idme', string>
    /** The realtime stub's control server: `POST /realtime/stop` and `POST /realtime/start`. */
    stubControlUrl: string
  }
}
