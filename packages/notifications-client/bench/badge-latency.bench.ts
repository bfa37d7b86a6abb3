// Latency from `sendNotification` to the recipient's badge (the inbox store's unread count)
// changing, with many users subscribed to their inbox streams on one stub, against polling at
// Liveblocks' 60 s interval (a change waits for the next poll: uniform over 0–60 s, so 30 s at
// the median and 59.4 s at p99). Run: `npm run bench -- notifications` (build first).
import { NotificationService } from '@nself/notifications-client'
import { signDevToken } from '../../server-stubs/src/auth/jwt'
import { createNotificationsServer } from '../../server-stubs/src/plugins/notifications/server'

const USERS = Number(process.env.BENCH_NOTIFICATIONS_USERS ?? 1000)
const SAMPLES = Number(process.env.BENCH_NOTIFICATIONS_SAMPLES ?? 300)
const POLL_INTERVAL_MS = 60_000
const SECRET = 'bench-secret'

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

export const benchmarks = [
  {
    id: 'notifications.badge_latency',
    async run(ctx: { report(figure: object): void }) {
      const server = await createNotificationsServer({
        port: 0,
        jwtSecret: SECRET,
        logger: false,
        env: { NODE_ENV: 'production' },
        heartbeatMs: 60_000,
      })
      const stores: Array<ReturnType<NotificationService['inbox']>> = []
      const waiting = new Map<number, (at: number) => void>()
      const offs: Array<() => void> = []
      try {
        for (let i = 0; i < USERS; i++) {
          const token = signDevToken({ userId: `user-${i}`, expiresIn: '1h' }, SECRET)
          const service = new NotificationService({
            baseUrl: server.url,
            getToken: () => token,
            shareAcrossTabs: false,
          })
          const store = service.inbox({}, 1)
          let unread = 0
          offs.push(
            store.subscribe(() => {
              const next = store.getSnapshot().counts.unread
              if (next > unread) waiting.get(i)?.(performance.now())
              unread = next
            }),
          )
          stores.push(store)
        }
        // Every user loaded and connected.
        const deadline = Date.now() + 60_000
        while (stores.some((s) => s.getSnapshot().status !== 'ready') || openStreams(server) < USERS) {
          if (Date.now() > deadline) throw new Error(`only ${openStreams(server)} of ${USERS} streams open`)
          await new Promise((r) => setTimeout(r, 50))
        }
        const sender = new NotificationService({
          baseUrl: server.url,
          getToken: () => signDevToken({ userId: 'app', role: 'service' }, SECRET),
        })
        const latencies: number[] = []
        for (let n = 0; n < SAMPLES; n++) {
          const user = Math.floor(Math.random() * USERS)
          const updated = new Promise<number>((resolve) => waiting.set(user, resolve))
          const started = performance.now()
          await sender.sendNotification({
            userId: `user-${user}`,
            type: 'message',
            title: `m${n}`,
            body: '',
            channels: ['in_app'],
          })
          latencies.push((await updated) - started)
          waiting.delete(user)
        }
        latencies.sort((a, b) => a - b)
        const round = (v: number) => Math.round(v * 100) / 100
        const note = `${USERS} users subscribed, ${SAMPLES} sends; baseline: polling every ${POLL_INTERVAL_MS / 1000} s (Liveblocks), expected wait`
        ctx.report({
          id: 'notifications.badge_latency.p50_ms',
          value: round(percentile(latencies, 50)),
          unit: 'ms',
          baseline: POLL_INTERVAL_MS * 0.5,
          better: 'lower',
          note,
        })
        return {
          id: 'notifications.badge_latency.p99_ms',
          value: round(percentile(latencies, 99)),
          unit: 'ms',
          baseline: POLL_INTERVAL_MS * 0.99,
          better: 'lower',
          note,
        }
      } finally {
        for (const off of offs) off()
        await server.close()
      }
    },
  },
]

function openStreams(server: { metrics: { render(): string } }): number {
  return Number(/nself_notifications_streams (\d+)/.exec(server.metrics.render())?.[1] ?? 0)
}
