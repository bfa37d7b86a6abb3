// How many idle, authenticated Socket.IO connections one realtime stub instance holds (goal:
// 10,000), and its resident memory per connection. The stub runs in its own process (its own
// file-descriptor table and heap, so its RSS is its own); this process opens the sockets,
// websocket transport only, in batches. `npm run bench -- realtime` (tools/bench/README.md).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { signDevToken } from '@nself/server-stubs'
import { io, type Socket } from 'socket.io-client'

const TARGET = 10_000
const BATCH = 500
/**
 * Sockets per user (10 users by default; `BENCH_SOCKETS_PER_USER` to change). A user's first
 * socket is announced to every socket (`presence:changed` is global, WIRE.md), so N users
 * connecting cost N²/2 frames: that fan-out is not what this measures.
 */
const SOCKETS_PER_USER = Number(process.env.BENCH_SOCKETS_PER_USER ?? 1_000)
const SECRET = 'bench-realtime-idle-secret'
const DEADLINE_MS = 120_000

/** The stub, in a child process that answers `rss` requests after a full GC. */
const STUB = `
import { createRealtimeServer } from '@nself/server-stubs'
const server = await createRealtimeServer({
  port: 0,
  host: '127.0.0.1',
  jwtSecret: ${JSON.stringify(SECRET)},
  logger: false,
  redisUrl: false,
  env: { NODE_ENV: 'production' },
})
process.on('message', async (message) => {
  if (message === 'rss') {
    for (let i = 0; i < 3; i++) { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 50)) }
    process.send({ rss: process.memoryUsage.rss(), sockets: server.state.sockets.size, cpu: process.cpuUsage() })
  } else if (message === 'close') {
    await server.close()
    process.exit(0)
  }
})
process.send({ url: server.url })
`

function fdLimit(): number | undefined {
  try {
    const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()
    return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out)
  } catch {
    return undefined
  }
}

function request<T>(child: ChildProcess, message: string, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: Record<string, unknown>) => {
      if (!(key in reply)) return
      child.off('message', onMessage)
      resolve(reply as T)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`stub exited with ${code}`)))
    if (message) child.send(message)
  })
}

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 20_000,
    })
    socket.once('connected', () => resolve(socket))
    socket.once('connect_error', (error) => {
      socket.close()
      reject(error)
    })
  })
}

export const benchmarks = [
  {
    id: 'realtime.idle_connections',
    async run(ctx: { report(figure: object): void }) {
      const limit = fdLimit()
      // Both processes need one descriptor per socket, plus some to spare.
      const target = Math.min(TARGET, Math.floor((limit ?? TARGET + 500) - 500))
      console.log(`ulimit -n: ${limit}; opening ${target} sockets`)
      const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', STUB], {
        cwd: process.cwd(),
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      const sockets: Socket[] = []
      try {
        const { url } = await request<{ url: string }>(child, '', 'url')
        const before = await request<{ rss: number }>(child, 'rss', 'rss')
        const started = Date.now()
        let failures = 0
        let lastError = ''
        while (sockets.length < target && Date.now() - started < DEADLINE_MS && failures < 50) {
          const batch = Array.from({ length: Math.min(BATCH, target - sockets.length) }, (_, i) => {
            const n = sockets.length + i
            return connect(url, signDevToken({ userId: `idle-${Math.floor(n / SOCKETS_PER_USER)}` }, SECRET))
          })
          const settled = await Promise.allSettled(batch)
          console.log(
            `${sockets.length + batch.length} sockets after ${((Date.now() - started) / 1000).toFixed(1)} s`,
          )
          for (const outcome of settled) {
            if (outcome.status === 'fulfilled') sockets.push(outcome.value)
            else {
              failures++
              lastError = String(outcome.reason?.message ?? outcome.reason)
            }
          }
        }
        const connectSeconds = (Date.now() - started) / 1000
        // Idle for a moment: the presence broadcasts settle, nothing else happens.
        await new Promise((r) => setTimeout(r, 2_000))
        const after = await request<{ rss: number; sockets: number; cpu: NodeJS.CpuUsage }>(
          child,
          'rss',
          'rss',
        )
        console.log(
          `stub cpu ${((after.cpu.user + after.cpu.system) / 1e6).toFixed(1)} s; bench cpu ${((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(1)} s`,
        )
        const held = Math.min(after.sockets, sockets.filter((s) => s.connected).length)
        const perConnectionKB = held > 0 ? (after.rss - before.rss) / held / 1024 : 0
        const note =
          `ulimit -n ${limit}; ${SOCKETS_PER_USER} sockets per user; connected in ${connectSeconds.toFixed(1)} s` +
          (failures > 0 ? `; ${failures} refused (${lastError})` : '')
        ctx.report({
          id: 'realtime.idle_connections.rss_per_connection',
          value: Math.round(perConnectionKB * 100) / 100,
          unit: 'KB',
          note: `stub RSS ${(before.rss / 2 ** 20).toFixed(1)} MB idle → ${(after.rss / 2 ** 20).toFixed(1)} MB`,
        })
        ctx.report({
          id: 'realtime.idle_connections.rss',
          value: Math.round((after.rss / 2 ** 20) * 10) / 10,
          unit: 'MB',
        })
        return { value: held, unit: 'connections', note }
      } finally {
        const closing = Date.now()
        for (const socket of sockets) socket.close()
        if (child.connected) child.send('close')
        await new Promise((r) => child.once('exit', r))
        console.log(`closed in ${((Date.now() - closing) / 1000).toFixed(1)} s`)
      }
    },
  },
]
