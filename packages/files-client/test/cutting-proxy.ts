// A TCP proxy for fault tests (not built, not published): forwards connections to a server
// and cuts them — both sides at once — after a chosen number of client-to-server bytes.
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'

/** A running proxy. */
export interface CuttingProxy {
  /** `http://127.0.0.1:<port>`, to use instead of the server's URL. */
  readonly url: string
  /** Client-to-server bytes forwarded so far (request lines, headers and bodies). */
  readonly bytesUp: number
  /** Connections cut so far. */
  readonly cuts: number
  /** Decides, per forwarded chunk, after how many more upstream bytes to cut (`null`: not now). */
  cutAfter: () => number | null
  /** Limit client-to-server bytes per second (`null`: as fast as possible). */
  throttle: number | null
  /** Refuse connections outright (a server that is down); setting it drops the open ones. */
  refuse: boolean
  close(): Promise<void>
}

/** Starts a proxy to `target` (`http://host:port`). */
export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target)
  const sockets = new Set<Socket>()
  const state = { bytesUp: 0, cuts: 0, refuse: false }
  const proxy: CuttingProxy = {
    url: '',
    get bytesUp() {
      return state.bytesUp
    },
    get cuts() {
      return state.cuts
    },
    cutAfter: () => null,
    throttle: null,
    get refuse() {
      return state.refuse
    },
    set refuse(value: boolean) {
      state.refuse = value
      if (value) for (const s of sockets) s.destroy()
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = createServer((client) => {
    if (state.refuse) {
      client.destroy()
      return
    }
    const upstream = connect(Number(port), hostname)
    sockets.add(client)
    sockets.add(upstream)
    let budget: number | null = proxy.cutAfter()
    const cut = () => {
      if (client.destroyed && upstream.destroyed) return
      state.cuts++
      client.destroy()
      upstream.destroy()
    }
    client.on('data', (chunk: Buffer) => {
      if (budget !== null && chunk.length >= budget) {
        // Forward up to the cut point, then drop both ends mid-request.
        const head = chunk.subarray(0, budget)
        state.bytesUp += head.length
        upstream.write(head, () => setImmediate(cut))
        budget = 0
        client.pause()
        return
      }
      if (budget !== null) budget -= chunk.length
      state.bytesUp += chunk.length
      if (!upstream.write(chunk)) client.pause()
      if (proxy.throttle) {
        client.pause()
        setTimeout(() => budget !== 0 && client.resume(), (chunk.length / proxy.throttle) * 1000)
      }
    })
    upstream.on('drain', () => {
      if (budget !== 0) client.resume()
    })
    upstream.pipe(client)
    const forget = () => {
      sockets.delete(client)
      sockets.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', forget)
    upstream.on('error', forget)
    client.on('close', forget)
    upstream.on('close', forget)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  ;(proxy as { url: string }).url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  return proxy
}

/** A small deterministic PRNG (mulberry32), so a failing run can be repeated from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
