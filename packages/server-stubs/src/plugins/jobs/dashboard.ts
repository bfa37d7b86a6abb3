import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Queue } from 'bullmq'
import { verifyToken } from '../../auth/jwt'
import type { AuthUser } from '../../auth/request-user'
import { requireUser } from '../../auth/request-user'
import { HttpError } from '../../http/http-error'
import { type Reply, text } from '../../http/reply'
import type { RequestContext } from '../../http/request-context'
import type { Router } from '../../http/router'
import type { JobEngine } from './job-engine'

const COOKIE = 'nself_jobs_dashboard'
const BULL_BOARD_PATH = '/dashboard/bull'

const esc = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function html(body: string, status = 200, headers: Record<string, string> = {}): Reply {
  return text(body, status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ...headers,
  })
}

function cookieToken(req: IncomingMessage): string | undefined {
  const match = (req.headers.cookie ?? '').match(new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`))
  return match?.[1] ? decodeURIComponent(match[1]) : undefined
}

/**
 * The caller of a dashboard request: a Bearer header, else the cookie set from `?token=`.
 * A `?token=` is moved into an httpOnly cookie and the browser redirected without it, so the
 * token does not stay in the address bar or the history.
 */
async function dashboardUser(ctx: RequestContext, secret: string): Promise<AuthUser | Reply> {
  const fromQuery = ctx.query.get('token')
  if (fromQuery) {
    const claims = await verifyToken(fromQuery, secret)
    const maxAge = claims.exp ? Math.max(0, claims.exp - Math.floor(Date.now() / 1000)) : 3600
    return text('', 303, {
      location: ctx.path,
      'set-cookie': `${COOKIE}=${encodeURIComponent(fromQuery)}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`,
    })
  }
  if (ctx.req.headers.authorization) return requireUser(ctx.req, secret)
  const token = cookieToken(ctx.req)
  if (!token) throw new HttpError('UNAUTHENTICATED', 'Authentication required')
  const claims = await verifyToken(token, secret)
  return {
    userId: claims.userId,
    ...(claims.role ? { role: claims.role } : {}),
    isService: claims.role === 'service',
  }
}

function signInPage(reason: string): Reply {
  return html(
    `<!doctype html><meta charset="utf-8"><title>Jobs dashboard</title>
<body style="font-family:system-ui;max-width:40rem;margin:2rem auto">
<h1>Jobs dashboard</h1><p>${esc(reason)}</p>
<p>Open <code>/dashboard?token=&lt;JWT&gt;</code>, e.g. with <code>npx nself-stubs token --user alice</code>
(your jobs) or <code>--role service</code> (every job${'' /* and Bull Board */}, and Bull Board when the server runs on BullMQ).</p></body>`,
    401,
    { 'www-authenticate': 'Bearer' },
  )
}

async function renderDashboard(
  engine: JobEngine,
  user: AuthUser,
  backend: string,
  bullBoard: boolean,
): Promise<Reply> {
  const owner = user.isService ? undefined : user.userId
  const [{ jobs, total }, queues, dlq, schedules] = await Promise.all([
    engine.store.list({ owner }, 100, 0),
    engine.store.queues(owner),
    engine.store.list({ owner, deadLettered: true }, 1, 0),
    engine.store.listSchedules(),
  ])
  const visibleSchedules = schedules.filter((s) => user.isService || s.user_id === user.userId)
  const rows = jobs
    .map(
      (
        j,
      ) => `<tr><td><code>${esc(j.id.slice(0, 8))}</code></td><td>${esc(j.type ?? '—')}</td><td>${esc(j.queue)}</td>
<td class="${esc(j.status)}">${esc(j.status)}${j.dead_lettered ? ' (DLQ)' : ''}</td><td>${esc(j.progress)}%</td>
<td>${esc(j.attempts)}/${esc(j.max_attempts)}</td><td>${esc(j.priority)}</td><td>${esc(j.scheduled_at)}</td>
<td>${esc(j.user_id ?? '—')}</td><td>${esc(j.error ?? '')}</td></tr>`,
    )
    .join('\n')
  const queueRows = queues
    .map(
      (q) =>
        `<tr><td>${esc(q.name)}</td><td>${q.pending}</td><td>${q.active}</td><td>${q.completed}</td><td>${q.failed}</td><td>${q.cancelled ?? 0}</td></tr>`,
    )
    .join('\n')
  const scheduleRows = visibleSchedules
    .map(
      (
        s,
      ) => `<tr><td>${esc(s.name)}</td><td><code>${esc(s.cron)}</code> ${esc(s.timezone)}</td><td>${esc(s.type)}</td>
<td>${s.enabled ? 'yes' : 'no'}</td><td>${esc(s.next_run_at ?? '—')}</td><td>${esc(s.last_run_at ?? '—')}</td><td>${esc(s.user_id ?? 'server')}</td></tr>`,
    )
    .join('\n')
  return html(`<!doctype html><html lang="en"><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Jobs dashboard</title>
<style>body{font-family:system-ui;margin:1.5rem}table{border-collapse:collapse;margin-bottom:1.5rem;font-size:.85rem}
td,th{border:1px solid #8884;padding:.25rem .5rem;text-align:left}.failed{color:#cf222e}.completed{color:#1a7f37}
.active{color:#0969da}.cancelled{color:#6e7781}</style>
<h1>Jobs dashboard</h1>
<p>${user.isService ? 'Every job' : `The jobs of <strong>${esc(user.userId)}</strong>`} · backend: ${esc(backend)} ·
${total} jobs · ${dlq.total} in the dead-letter queue · refreshes every 5 s${bullBoard ? ` · <a href="${BULL_BOARD_PATH}">Bull Board</a>` : ''}</p>
<h2>Queues</h2><table><tr><th>queue</th><th>pending</th><th>active</th><th>completed</th><th>failed</th><th>cancelled</th></tr>${queueRows}</table>
<h2>Schedules</h2><table><tr><th>name</th><th>cron</th><th>type</th><th>enabled</th><th>next run</th><th>last run</th><th>owner</th></tr>${scheduleRows}</table>
<h2>Latest jobs</h2><table><tr><th>id</th><th>type</th><th>queue</th><th>status</th><th>progress</th><th>attempts</th><th>priority</th><th>scheduled</th><th>user</th><th>error</th></tr>${rows}</table>
</html>`)
}

/** Builds Bull Board for `queue`, served below `/dashboard/bull` (service tokens only). */
async function createBullBoard(queue: Queue): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const [{ createBullBoard: create }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ])
  const adapter = new ExpressAdapter()
  adapter.setBasePath(BULL_BOARD_PATH)
  create({ queues: [new BullMQAdapter(queue)], serverAdapter: adapter })
  const app = adapter.getRouter() as unknown as (req: IncomingMessage, res: ServerResponse) => void
  return (req, res) => {
    // The Express app is mounted at the root of its own routes.
    req.url = (req.url ?? '/').slice(BULL_BOARD_PATH.length) || '/'
    app(req, res)
  }
}

/**
 * `/dashboard` in both modes: a server-rendered page of the caller's jobs (every job for a
 * service token), and with BullMQ, Bull Board at `/dashboard/bull` for service tokens.
 */
export function registerDashboard(
  router: Router,
  engine: JobEngine,
  secret: string,
  backend: 'memory' | 'bullmq',
  queue: Queue | undefined,
): void {
  let bullBoard: Promise<(req: IncomingMessage, res: ServerResponse) => void> | undefined
  const authenticate = async (ctx: RequestContext): Promise<AuthUser | Reply> => {
    try {
      return await dashboardUser(ctx, secret)
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) return signInPage(error.message)
      throw error
    }
  }
  router.get(
    '/dashboard',
    async (ctx) => {
      const user = await authenticate(ctx)
      if ('status' in user) return user
      return renderDashboard(engine, user, backend, Boolean(queue) && user.isService)
    },
    { auth: false },
  )
  const board = async (ctx: RequestContext): Promise<Reply | undefined> => {
    const user = await authenticate(ctx)
    if ('status' in user) return user
    if (!queue)
      throw new HttpError('NOT_FOUND', 'Bull Board runs only with the BullMQ backend (set REDIS_URL)')
    if (!user.isService)
      throw new HttpError('FORBIDDEN', 'Bull Board shows every job: it needs a service token')
    bullBoard ??= createBullBoard(queue)
    ;(await bullBoard)(ctx.req, ctx.res)
    return undefined
  }
  for (const method of ['get', 'post', 'put', 'delete', 'patch'] as const) {
    router[method](BULL_BOARD_PATH, board, { auth: false })
    router[method](`${BULL_BOARD_PATH}/*`, board, { auth: false })
  }
}
