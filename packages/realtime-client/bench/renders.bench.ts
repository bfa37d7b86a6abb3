// Renders caused by one user's presence change among 500 components that each read one user's
// presence (goal: 1), and how long that update takes to commit. React renders into a jsdom
// document in this process; the client is the package's mock (no server: only the store and
// the hooks are measured). `npm run bench -- realtime` (tools/bench/README.md).
import { JSDOM } from 'jsdom'

const READERS = 500
const CHANGES = 200

// React and the package load after jsdom is in place (react-dom reads `window` when it loads).
let react: typeof import('react')
let realtime: typeof import('@nself/realtime-client')
let renders = 0

function Avatar({ userId }: { userId: string }) {
  const presence = realtime.usePresence(userId)
  renders++
  return react.createElement('span', { 'data-status': presence?.status }, userId)
}

export default async function bench(ctx: { matches(id: string): boolean }) {
  if (!ctx.matches('realtime.renders_per_presence_change') && !ctx.matches('realtime.presence_change'))
    return []
  const dom = new JSDOM('<!doctype html><html><body><div id="root"></div></body></html>')
  Object.assign(globalThis, { window: dom.window, document: dom.window.document })
  // The production build of React (NODE_ENV=production, as the bench runner sets it): no `act`;
  // `flushSync` commits each update before it returns.
  react = await import('react')
  realtime = await import('@nself/realtime-client')
  const { createElement } = react
  const { flushSync } = await import('react-dom')
  const { createRoot } = await import('react-dom/client')
  const { createMockRealtimeClient, RealtimeTestProvider } = await import('@nself/realtime-client/testing')

  const client = createMockRealtimeClient()
  const users = Array.from({ length: READERS }, (_, i) => `user-${i}`)
  for (const u of users) client.setUserPresence(u, 'online')
  const root = createRoot(dom.window.document.getElementById('root') as unknown as Element)
  flushSync(() =>
    root.render(
      createElement(
        RealtimeTestProvider,
        { client },
        users.map((u) => createElement(Avatar, { key: u, userId: u })),
      ),
    ),
  )
  await new Promise((r) => setTimeout(r, 50)) // effects run and the bulk presence read settles
  const mounted = dom.window.document.querySelectorAll('span[data-status="online"]').length
  if (mounted !== READERS) throw new Error(`expected ${READERS} online avatars, saw ${mounted}`)

  const counts: number[] = []
  const times: number[] = []
  const current = new Map(users.map((u) => [u, 'online']))
  for (let i = 0; i < CHANGES; i++) {
    const user = users[(i * 37) % READERS] ?? 'user-0'
    // Always a real change: the next status in the cycle.
    const status = current.get(user) === 'online' ? 'away' : current.get(user) === 'away' ? 'dnd' : 'online'
    current.set(user, status)
    const before = renders
    const t = performance.now()
    flushSync(() => client.setUserPresence(user, status))
    times.push(performance.now() - t)
    counts.push(renders - before)
    const shown = dom.window.document.querySelectorAll(
      `span[data-status="${status === 'dnd' ? 'dnd' : status}"]`,
    )
    if (![...shown].some((el) => el.textContent === user)) throw new Error(`${user} does not show ${status}`)
  }
  root.unmount()
  client.close()
  const worst = Math.max(...counts)
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length
  times.sort((a, b) => a - b)
  const p50 = times[Math.floor(times.length / 2)] ?? 0
  return [
    {
      id: 'realtime.renders_per_presence_change',
      value: worst,
      unit: 'renders',
      note: `${READERS} presence readers (usePresence(userId)), ${CHANGES} changes of one user each: worst ${worst}, mean ${mean} (goal 1)`,
    },
    {
      id: 'realtime.presence_change.commit_ms.p50',
      value: Math.round(p50 * 1000) / 1000,
      unit: 'ms',
      note: `store update to committed render, ${READERS} readers mounted (jsdom)`,
    },
  ]
}
