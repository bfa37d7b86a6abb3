import { randomUUID } from 'node:crypto'
import {
  CreateNotificationRequestSchema,
  type CreateNotificationResponse,
  CreateTemplateRequestSchema,
  INBOX_ACTIONS,
  type InboxAction,
  type InboxCountsResponse,
  InboxQuerySchema,
  ListNotificationsQuerySchema,
  NotificationTypeSchema,
  PreferenceUpdateSchema,
  PushSubscriptionRequestSchema,
  ReadAllRequestSchema,
  RenderTemplateRequestSchema,
  SendNotificationRequestSchema,
  type Template,
  WIRE_CHANNELS,
} from '@nself/contracts/notifications'
import { type AuthUser, actingUserId } from '../../auth/request-user'
import { HttpError } from '../../http/http-error'
import { empty, json } from '../../http/reply'
import type { RequestContext, SafeParser } from '../../http/request-context'
import type { Router } from '../../http/router'
import type { InboxStreams } from './inbox-streams'
import { type NotificationsState, publicNotification } from './notifications-state'
import { renderTemplate } from './template-render'

/** What the routes need from the server. */
export interface NotificationsRouteContext {
  stateFor(app: string): NotificationsState
  streams: InboxStreams
  vapidPublicKey: string
  /** Types a user token may send. */
  clientTypes: ReadonlySet<string>
  /** Sends per user token per window. */
  clientRateLimit: { max: number; windowMs: number }
  /** Whether user tokens may read their own captured deliveries. */
  devEndpoints: boolean
  now(): number
}

/** Registers the Go plugin's routes and our extensions (all need a Bearer token). */
export function registerNotificationsRoutes(router: Router, rc: NotificationsRouteContext): void {
  const sends = new Map<string, number[]>()
  const state = (ctx: RequestContext) => rc.stateFor(ctx.appName)

  // ------------------------------------------------------------ the Go plugin's routes

  router.post('/v1/notifications', async (ctx) => {
    requireService(ctx.requireUser(), 'POST /v1/notifications sends to any address')
    const request = await ctx.parseBody(CreateNotificationRequestSchema)
    let template: Template | undefined
    if (request.template !== undefined) {
      template = state(ctx).templates.get(request.template)
      if (!template) throw new HttpError('NOT_FOUND', `template ${request.template} not found`)
    }
    const row = await state(ctx).sendDirect(request.channel, request.recipient, template, request.data ?? {})
    const body: CreateNotificationResponse = {
      id: row.id,
      channel: request.channel,
      success: row.status === 'sent',
      error: row.status === 'sent' ? null : row.error,
    }
    return json(body, body.success ? 200 : 502)
  })

  router.get('/v1/notifications', (ctx) => {
    const user = ctx.requireUser()
    const q = parseQuery(ctx, ListNotificationsQuerySchema, ['limit', 'offset'])
    const limit = q.limit ?? 50
    const offset = q.offset ?? 0
    const rows = [...state(ctx).deliveries.values()]
      .filter(
        (r) =>
          (user.isService || r.user_id === user.userId) &&
          (q.channel === undefined || r.channel === q.channel) &&
          (q.status === undefined || r.status === q.status) &&
          (q.recipient === undefined || r.recipient === q.recipient),
      )
      .reverse()
    return json({ notifications: rows.slice(offset, offset + limit).map(publicNotification), limit, offset })
  })

  router.get('/v1/notifications/:id', (ctx) => {
    const user = ctx.requireUser()
    const row = state(ctx).deliveries.get(ctx.params.id ?? '')
    if (!row || !(user.isService || row.user_id === user.userId))
      throw new HttpError('NOT_FOUND', 'notification not found')
    return json(publicNotification(row))
  })

  router.get('/v1/preferences/:user_id', (ctx) => {
    const userId = preferenceUser(ctx)
    return json(state(ctx).preference(userId))
  })

  router.put('/v1/preferences/:user_id', async (ctx) => {
    const userId = preferenceUser(ctx)
    const update = await ctx.parseBody(PreferenceUpdateSchema)
    return json(state(ctx).updatePreference(userId, update))
  })

  router.get('/v1/templates', (ctx) => {
    ctx.requireUser()
    return json({ templates: [...state(ctx).templates.values()] })
  })

  router.post('/v1/templates', async (ctx) => {
    requireService(ctx.requireUser(), 'templates are written by the app server')
    const request = await ctx.parseBody(CreateTemplateRequestSchema)
    const templates = state(ctx).templates
    if (templates.has(request.name)) throw new HttpError('CONFLICT', `template ${request.name} exists`)
    const at = new Date(rc.now()).toISOString()
    const template: Template = {
      id: randomUUID(),
      name: request.name,
      channel: request.channel,
      subject_template: request.subject_template ?? null,
      body_template: request.body_template ?? null,
      html_template: request.html_template ?? null,
      created_at: at,
      updated_at: at,
    }
    templates.set(template.name, template)
    return json(template, 201)
  })

  /** extension */
  router.post('/v1/templates/:name/render', async (ctx) => {
    ctx.requireUser()
    const template = state(ctx).templates.get(ctx.params.name ?? '')
    if (!template) throw new HttpError('NOT_FOUND', 'template not found')
    const { data = {} } = await parseOptionalBody(ctx, RenderTemplateRequestSchema, {})
    return json({
      subject: renderTemplate(template.subject_template, data),
      body: renderTemplate(template.body_template, data),
      html: renderTemplate(template.html_template, data, true),
    })
  })

  // ------------------------------------------------------------ extension: send

  router.post('/v1/notifications/send', async (ctx) => {
    const user = ctx.requireUser()
    const request = await ctx.parseBody(SendNotificationRequestSchema)
    if (!user.isService) {
      if (!rc.clientTypes.has(request.type))
        throw new HttpError('FORBIDDEN', `type ${request.type} may only be sent by a service token`, {
          details: { allowed: [...rc.clientTypes] },
        })
      if (request.category !== undefined || request.to !== undefined)
        throw new HttpError('FORBIDDEN', '`category` and `to` need a service token')
    }
    const header = ctx.req.headers['idempotency-key']
    const rawKey = request.idempotencyKey ?? (Array.isArray(header) ? header[0] : header)
    const key = rawKey ? `${user.userId}\u0000${rawKey}` : undefined
    const s = state(ctx)
    const repeated = key ? s.idempotent(key) : undefined
    if (repeated) return json(repeated, 200)
    if (!user.isService) takeClientSend(sends, user.userId, rc)
    return json(s.send(request, user.userId, key), 201)
  })

  // ------------------------------------------------------------ extension: inbox

  router.get('/v1/inbox', (ctx) => {
    const q = parseQuery(ctx, InboxQuerySchema, ['limit'])
    const userId = actingUserId(ctx.requireUser(), q.user_id)
    if (q.cursor !== undefined && !/^\d+$/.test(q.cursor))
      throw new HttpError('VALIDATION_FAILED', 'cursor is not one this server gave')
    return json(
      state(ctx).list(userId, {
        status: q.status ?? 'all',
        limit: q.limit ?? 20,
        ...(q.type === undefined ? {} : { type: q.type }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      }),
    )
  })

  router.get('/v1/inbox/counts', (ctx) => {
    const userId = actingUserId(ctx.requireUser(), ctx.query.get('user_id'))
    const type = ctx.query.get('type')
    if (type !== null && !NotificationTypeSchema.safeParse(type).success)
      throw new HttpError('VALIDATION_FAILED', 'type is not a notification type')
    const body: InboxCountsResponse = {
      ...state(ctx).counts(userId),
      ...(type === null ? {} : { filtered: state(ctx).counts(userId, type) }),
    }
    return json(body)
  })

  router.get('/v1/inbox/stream', (ctx) => {
    const userId = actingUserId(ctx.requireUser(), ctx.query.get('user_id'))
    const s = state(ctx)
    const header = ctx.req.headers['last-event-id']
    const lastEventId =
      (Array.isArray(header) ? header[0] : header) ?? ctx.query.get('lastEventId') ?? undefined
    rc.streams.attach(s.streamKey(userId), ctx.res, lastEventId, s.counts(userId))
    return undefined
  })

  router.post('/v1/inbox/read-all', async (ctx) => {
    const userId = actingUserId(ctx.requireUser(), ctx.query.get('user_id'))
    const { type } = await parseOptionalBody(ctx, ReadAllRequestSchema, {})
    const s = state(ctx)
    const updated = s.readAll(userId, type)
    return json({ updated, counts: s.counts(userId) })
  })

  router.post('/v1/inbox/:id/:action', (ctx) => {
    const user = ctx.requireUser()
    const action = ctx.params.action as InboxAction
    if (!(INBOX_ACTIONS as readonly string[]).includes(action))
      throw new HttpError('NOT_FOUND', `no inbox action ${action}; use ${INBOX_ACTIONS.join(', ')}`)
    const s = state(ctx)
    const item = s.items.get(ctx.params.id ?? '')
    // Another user's notification is "not found", so ids cannot be probed.
    if (!item || !(user.isService || item.user_id === user.userId))
      throw new HttpError('NOT_FOUND', 'notification not found')
    return json(s.applyAction(item, action))
  })

  // ------------------------------------------------------------ extension: web push

  router.get('/v1/push/vapid-public-key', (ctx) => {
    ctx.requireUser()
    return json({ public_key: rc.vapidPublicKey })
  })

  router.get('/v1/push/subscriptions', (ctx) => {
    const userId = actingUserId(ctx.requireUser(), ctx.query.get('user_id'))
    const subscriptions = [...state(ctx).pushSubscriptions.values()]
      .filter((s) => s.user_id === userId)
      .map(({ id, user_id, endpoint, created_at }) => ({ id, user_id, endpoint, created_at }))
    return json({ subscriptions })
  })

  router.post('/v1/push/subscriptions', async (ctx) => {
    const userId = actingUserId(ctx.requireUser(), ctx.query.get('user_id'))
    const request = await ctx.parseBody(PushSubscriptionRequestSchema)
    const subs = state(ctx).pushSubscriptions
    const existing = [...subs.values()].find((s) => s.endpoint === request.endpoint)
    if (existing) subs.delete(existing.id)
    const row = {
      id: existing && existing.user_id === userId ? existing.id : randomUUID(),
      user_id: userId,
      endpoint: request.endpoint,
      keys: request.keys,
      created_at: new Date(rc.now()).toISOString(),
    }
    subs.set(row.id, row)
    const { keys: _keys, ...body } = row
    return json(body, existing ? 200 : 201)
  })

  router.delete('/v1/push/subscriptions/:id', (ctx) => {
    const user = ctx.requireUser()
    const subs = state(ctx).pushSubscriptions
    const row = subs.get(ctx.params.id ?? '')
    if (!row || !(user.isService || row.user_id === user.userId))
      throw new HttpError('NOT_FOUND', 'subscription not found')
    subs.delete(row.id)
    return empty(204)
  })

  // ------------------------------------------------------------ extension: development

  router.get('/v1/dev/deliveries', (ctx) => {
    const user = ctx.requireUser()
    if (!user.isService && !rc.devEndpoints)
      throw new HttpError('FORBIDDEN', 'captured deliveries need a service token in production')
    const channel = ctx.query.get('channel')
    if (channel !== null && !(WIRE_CHANNELS as readonly string[]).includes(channel))
      throw new HttpError('VALIDATION_FAILED', `channel must be one of ${WIRE_CHANNELS.join(', ')}`)
    const userId = user.isService ? ctx.query.get('user_id') : actingUserId(user, ctx.query.get('user_id'))
    const deliveries = state(ctx).captured.filter(
      (d) => (userId === null || d.user_id === userId) && (channel === null || d.channel === channel),
    )
    return json({ deliveries })
  })
}

/** extension: `me` is the token's user, so a browser need not know its own id. */
function preferenceUser(ctx: RequestContext): string {
  const user = ctx.requireUser()
  return ctx.params.user_id === 'me' ? user.userId : actingUserId(user, ctx.params.user_id)
}

function requireService(user: AuthUser, why: string): void {
  if (!user.isService) throw new HttpError('FORBIDDEN', `a service token is required: ${why}`)
}

function takeClientSend(sends: Map<string, number[]>, userId: string, rc: NotificationsRouteContext): void {
  const now = rc.now()
  const { max, windowMs } = rc.clientRateLimit
  const recent = (sends.get(userId) ?? []).filter((t) => now - t < windowMs)
  if (recent.length >= max) {
    const retryAfter = Math.max(1, Math.ceil(((recent[0] ?? now) + windowMs - now) / 1000))
    sends.set(userId, recent)
    throw new HttpError('RATE_LIMITED', `at most ${max} sends per ${windowMs / 1000} s`, {
      headers: { 'retry-after': String(retryAfter) },
    })
  }
  recent.push(now)
  sends.set(userId, recent)
}

/** Validates the query string with `schema`, converting `numeric` keys to numbers. */
function parseQuery<T>(ctx: RequestContext, schema: SafeParser<T>, numeric: readonly string[]): T {
  const raw: Record<string, unknown> = {}
  for (const [key, value] of ctx.query) {
    raw[key] = numeric.includes(key) && /^-?\d+$/.test(value) ? Number(value) : value
  }
  const result = schema.safeParse(raw)
  if (!result.success)
    throw new HttpError('VALIDATION_FAILED', 'Query failed validation', { details: result.error.issues })
  return result.data
}

/** The body validated by `schema`, or `fallback` when the body is empty. */
async function parseOptionalBody<T>(ctx: RequestContext, schema: SafeParser<T>, fallback: T): Promise<T> {
  return (await ctx.body()) === undefined ? fallback : ctx.parseBody(schema)
}
