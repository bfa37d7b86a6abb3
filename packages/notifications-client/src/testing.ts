/**
 * `@nself/notifications-client/testing`: msw 2 handlers for every route of the notifications
 * plugin, backed by an in-memory inbox that behaves like the reference server (the same
 * conformance cases pass against both), and fixture builders.
 *
 * ```ts
 * const mock = createNotificationsMock({ baseUrl: 'http://notifications.test' })
 * const server = setupServer(...mock.handlers)
 * mock.deliver('alice', { title: 'Hello' })   // appears in alice's inbox and on her stream
 * ```
 */

import type { ErrorBody } from '@nself/contracts'
import type {
  CreateNotificationRequest,
  CreateNotificationResponse,
  CreateTemplateRequest,
  InboxCounts,
  InboxCountsResponse,
  InboxItem,
  InboxPage,
  ListNotificationsResponse,
  ListTemplatesResponse,
  Notification,
  Preference,
  PreferenceUpdate,
  PushSubscriptionList,
  PushSubscriptionRecord,
  PushSubscriptionRequest,
  ReadAllResponse,
  RenderedTemplate,
  SendNotificationRequest,
  SendNotificationResponse,
  Template,
  VapidPublicKeyResponse,
} from '@nself/contracts/notifications'
import { defaultPreference, mergeTypePreferences } from '@nself/contracts/notifications'
import { HttpResponse, http } from 'msw'

/** Builds one inbox item (wire shape) with sensible defaults. */
export function inboxItem(overrides: Partial<InboxItem> & { user_id: string }): InboxItem {
  return {
    id: `n-${Math.random().toString(36).slice(2, 12)}`,
    type: 'message',
    title: 'New message',
    body: '',
    data: {},
    sender_id: null,
    created_at: new Date().toISOString(),
    read_at: null,
    seen_at: null,
    archived_at: null,
    ...overrides,
  }
}

/**
 * `count` inbox items for `userId`, newest first, one second apart; the first `unread` are
 * unread (default all), the rest read.
 */
export function buildInbox(
  userId: string,
  count: number,
  options: { unread?: number; type?: string; now?: number } = {},
): InboxItem[] {
  const now = options.now ?? Date.now()
  const unread = options.unread ?? count
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(now - i * 1000).toISOString()
    return inboxItem({
      id: `n-${userId}-${count - i}`,
      user_id: userId,
      type: options.type ?? 'message',
      title: `Notification ${count - i}`,
      created_at: at,
      ...(i < unread ? {} : { read_at: at, seen_at: at }),
    })
  })
}

/** A syntactically valid VAPID public key (P-256 point, base64url) for tests. */
export const TEST_VAPID_PUBLIC_KEY =
  'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U'

/** Options of {@link createNotificationsMock}. */
export interface NotificationsMockOptions {
  /** Base URL the handlers answer (default `http://localhost:3102`, the development default). */
  baseUrl?: string
  /** Initial inbox items (any users). */
  inbox?: InboxItem[]
  /** Types user tokens may send (default `message`, `mention`). */
  clientTypes?: readonly string[]
}

/** The mock's handlers and controls. */
export interface NotificationsMock {
  /** Pass to `setupServer(...)` / `setupWorker(...)`. */
  handlers: ReturnType<typeof http.get>[]
  /** Adds a notification to `userId`'s inbox and pushes it to their open streams. */
  deliver(userId: string, overrides?: Partial<InboxItem>): InboxItem
  /** `userId`'s inbox, newest first. */
  inbox(userId: string): InboxItem[]
  /** The next `count` inbox actions (read, archive…) fail with `status` (default 500). */
  failNextActions(count?: number, status?: number): void
  /** Ends every open stream (as a dropped connection would). */
  dropStreams(): void
}

interface Caller {
  userId: string
  isService: boolean
}

type Stream = { userId: string; controller: ReadableStreamDefaultController<Uint8Array> }

const encoder = new TextEncoder()
const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const iso = () => new Date().toISOString()
const uid = () => Math.random().toString(36).slice(2, 12)

/** Creates the in-memory notifications plugin and its msw handlers. */
export function createNotificationsMock(options: NotificationsMockOptions = {}): NotificationsMock {
  const base = (options.baseUrl ?? 'http://localhost:3102').replace(/\/+$/, '')
  const clientTypes = new Set(options.clientTypes ?? ['message', 'mention'])
  const items: InboxItem[] = [...(options.inbox ?? [])]
  const preferences = new Map<string, Preference>()
  const templates = new Map<string, Template>()
  const subscriptions = new Map<string, PushSubscriptionRecord>()
  const deliveries = new Map<string, Notification>()
  const idempotency = new Map<string, SendNotificationResponse>()
  const logs = new Map<string, string[]>()
  const streams = new Set<Stream>()
  let failing = { count: 0, status: 500 }

  const error = (status: number, code: string, message: string) =>
    HttpResponse.json<ErrorBody>({ error: message, code }, { status })
  const caller = (request: Request): Caller | Response => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')
    if (!match?.[1]) return error(401, 'UNAUTHENTICATED', 'Authentication required')
    try {
      const claims = JSON.parse(atob((match[1].split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/')))
      if (typeof claims.userId !== 'string') throw new Error('no userId')
      return { userId: claims.userId, isService: claims.role === 'service' }
    } catch {
      return error(401, 'INVALID_TOKEN', 'Invalid token')
    }
  }
  const acting = (who: Caller, requested: string | null): string | Response =>
    !requested || requested === who.userId || requested === 'me'
      ? who.userId
      : who.isService
        ? requested
        : error(403, 'FORBIDDEN', 'You can only act for the user of your token')
  const inbox = (userId: string) =>
    // Newest first; among equal timestamps the later delivered (stable sort of the reversed list).
    [...items]
      .reverse()
      .filter((i) => i.user_id === userId)
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
  const counts = (userId: string, type?: string | null): InboxCounts => {
    const c = { unread: 0, unseen: 0, total: 0 }
    for (const i of items)
      if (i.user_id === userId && !i.archived_at && (!type || i.type === type)) {
        c.total++
        if (!i.read_at) c.unread++
        if (!i.seen_at) c.unseen++
      }
    return c
  }
  const publish = (userId: string, event: string, data: unknown, logged = true) => {
    const log = logs.get(userId) ?? []
    logs.set(userId, log)
    const frame = `id: ${log.length}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    if (logged) log.push(frame)
    for (const s of streams) if (s.userId === userId) s.controller.enqueue(encoder.encode(frame))
  }
  const deliver = (userId: string, overrides: Partial<InboxItem> = {}): InboxItem => {
    const item = inboxItem({ ...overrides, user_id: userId })
    items.push(item)
    publish(userId, 'notification.created', { notification: item, counts: counts(userId) })
    return item
  }
  const preference = (userId: string): Preference =>
    preferences.get(userId) ?? defaultPreference(userId, iso())
  const url = (path: string) => `${base}${path}`
  const auth = <T>(request: Request, then: (who: Caller) => T | Promise<T>) => {
    const who = caller(request)
    return who instanceof Response ? who : then(who)
  }

  const handlers = [
    http.get(url('/health'), () =>
      HttpResponse.json({ status: 'ok', service: 'notifications', timestamp: iso() }),
    ),

    http.post<never, SendNotificationRequest, SendNotificationResponse | ErrorBody>(
      url('/v1/notifications/send'),
      ({ request }) =>
        auth(request, async (who) => {
          const body = await request.json()
          if (!body || typeof body.userId !== 'string' || !body.userId || !Array.isArray(body.channels))
            return error(400, 'VALIDATION_FAILED', 'Request body failed validation')
          if (!who.isService && (!clientTypes.has(body.type) || body.category || body.to))
            return error(403, 'FORBIDDEN', `type ${body.type} may only be sent by a service token`)
          const key = body.idempotencyKey ?? request.headers.get('idempotency-key')
          const seen = key ? idempotency.get(`${who.userId}:${key}`) : undefined
          if (seen) return HttpResponse.json({ ...seen, duplicate: true })
          const id = `n-${uid()}`
          const result: SendNotificationResponse = {
            id,
            duplicate: false,
            deliveries: [...new Set(body.channels)].map((channel) => ({
              id: `d-${uid()}`,
              channel,
              status: channel === 'in_app' ? 'delivered' : 'sent',
              error_code: null,
              error: null,
              attempts: channel === 'in_app' ? 0 : 1,
              next_attempt_at: null,
              digest_id: null,
            })),
          }
          if (body.channels.includes('in_app'))
            deliver(body.userId, {
              id,
              type: body.type,
              title: body.title,
              body: body.body,
              data: body.data ?? {},
              sender_id: who.userId,
            })
          if (key) idempotency.set(`${who.userId}:${key}`, result)
          return HttpResponse.json(result, { status: 201 })
        }),
    ),

    http.get<never, never, InboxPage | ErrorBody>(url('/v1/inbox'), ({ request }) =>
      auth(request, (who) => {
        const q = new URL(request.url).searchParams
        const userId = acting(who, q.get('user_id'))
        if (userId instanceof Response) return userId
        const limit = Number(q.get('limit') ?? 20)
        if (!Number.isInteger(limit) || limit < 1 || limit > 100)
          return error(400, 'VALIDATION_FAILED', 'limit')
        const status = q.get('status') ?? 'all'
        const type = q.get('type')
        const list = inbox(userId).filter(
          (i) =>
            (!type || i.type === type) &&
            (status === 'archived'
              ? i.archived_at !== null
              : i.archived_at === null &&
                (status === 'all' || (status === 'unread') === (i.read_at === null))),
        )
        const start = Number(q.get('cursor') ?? 0)
        const page = list.slice(start, start + limit)
        return HttpResponse.json({
          notifications: page,
          next_cursor: start + limit < list.length ? String(start + limit) : null,
        })
      }),
    ),

    http.get<never, never, InboxCountsResponse | ErrorBody>(url('/v1/inbox/counts'), ({ request }) =>
      auth(request, (who) => {
        const q = new URL(request.url).searchParams
        const userId = acting(who, q.get('user_id'))
        if (userId instanceof Response) return userId
        const type = q.get('type')
        return HttpResponse.json({ ...counts(userId), ...(type ? { filtered: counts(userId, type) } : {}) })
      }),
    ),

    http.get(url('/v1/inbox/stream'), ({ request }) =>
      auth(request, (who) => {
        const userId = acting(who, new URL(request.url).searchParams.get('user_id'))
        if (userId instanceof Response) return userId
        const last = request.headers.get('last-event-id')
        let entry: Stream | undefined
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            const log = logs.get(userId) ?? []
            const from = last === null ? log.length : Number(last) + 1
            const resync = last !== null && !(from >= 0 && from <= log.length)
            const replay = resync ? '' : log.slice(from).join('')
            const countsFrame = `id: ${log.length - 1}\nevent: counts\ndata: ${JSON.stringify(
              resync ? { counts: counts(userId), resync: true } : { counts: counts(userId) },
            )}\n\n`
            controller.enqueue(encoder.encode(`retry: 1000\n\n${replay}${countsFrame}`))
            entry = { userId, controller }
            streams.add(entry)
          },
          cancel() {
            if (entry) streams.delete(entry)
          },
        })
        request.signal.addEventListener('abort', () => {
          if (entry) streams.delete(entry)
        })
        return new HttpResponse(body, {
          headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
        })
      }),
    ),

    http.post<never, { type?: string } | undefined, ReadAllResponse | ErrorBody>(
      url('/v1/inbox/read-all'),
      ({ request }) =>
        auth(request, async (who) => {
          const userId = acting(who, new URL(request.url).searchParams.get('user_id'))
          if (userId instanceof Response) return userId
          const text = await request.text()
          const type = text ? (JSON.parse(text) as { type?: string }).type : undefined
          let updated = 0
          for (const [index, item] of items.entries())
            if (
              item.user_id === userId &&
              !item.read_at &&
              !item.archived_at &&
              (!type || item.type === type)
            ) {
              const now = iso()
              const next = { ...item, read_at: now, seen_at: item.seen_at ?? now }
              items[index] = next
              updated++
              publish(userId, 'notification.updated', { notification: next, counts: counts(userId) })
            }
          publish(userId, 'counts', { counts: counts(userId) }, false)
          return HttpResponse.json({ updated, counts: counts(userId) })
        }),
    ),

    http.post<{ id: string; action: string }, never, InboxItem | ErrorBody>(
      url('/v1/inbox/:id/:action'),
      ({ request, params }) =>
        auth(request, (who) => {
          const index = items.findIndex(
            (i) => i.id === params.id && (who.isService || i.user_id === who.userId),
          )
          const item = items[index]
          if (!item || !['read', 'unread', 'seen', 'archive', 'unarchive'].includes(params.action))
            return error(404, 'NOT_FOUND', 'notification not found')
          if (failing.count > 0) {
            failing.count--
            return error(
              failing.status,
              failing.status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST',
              'injected failure',
            )
          }
          const now = iso()
          const next = { ...item }
          if (params.action === 'read') {
            next.read_at ??= now
            next.seen_at ??= now
          } else if (params.action === 'unread') next.read_at = null
          else if (params.action === 'seen') next.seen_at ??= now
          else if (params.action === 'archive') {
            next.archived_at ??= now
            next.seen_at ??= now
          } else next.archived_at = null
          items[index] = next
          publish(next.user_id, 'notification.updated', { notification: next, counts: counts(next.user_id) })
          return HttpResponse.json(next)
        }),
    ),

    http.get<{ userId: string }, never, Preference | ErrorBody>(
      url('/v1/preferences/:userId'),
      ({ request, params }) =>
        auth(request, (who) => {
          const userId = acting(who, params.userId)
          return userId instanceof Response ? userId : HttpResponse.json(preference(userId))
        }),
    ),

    http.put<{ userId: string }, PreferenceUpdate, Preference | ErrorBody>(
      url('/v1/preferences/:userId'),
      ({ request, params }) =>
        auth(request, async (who) => {
          const userId = acting(who, params.userId)
          if (userId instanceof Response) return userId
          const update = await request.json()
          const clock = /^([01]\d|2[0-3]):[0-5]\d$/
          for (const key of ['quiet_start', 'quiet_end'] as const)
            if (typeof update[key] === 'string' && !clock.test(update[key] as string))
              return error(400, 'VALIDATION_FAILED', `${key} must be HH:MM`)
          const current = preference(userId)
          const types = mergeTypePreferences(current.types, update.types)
          const next = { ...current, ...update, types, updated_at: iso() } as Preference
          preferences.set(userId, next)
          return HttpResponse.json(next)
        }),
    ),

    http.get<never, never, ListTemplatesResponse | ErrorBody>(url('/v1/templates'), ({ request }) =>
      auth(request, () => HttpResponse.json({ templates: [...templates.values()] })),
    ),

    http.post<never, CreateTemplateRequest, Template | ErrorBody>(url('/v1/templates'), ({ request }) =>
      auth(request, async (who) => {
        if (!who.isService) return error(403, 'FORBIDDEN', 'a service token is required')
        const body = await request.json()
        if (templates.has(body.name)) return error(409, 'CONFLICT', `template ${body.name} exists`)
        const template: Template = {
          id: `t-${uid()}`,
          name: body.name,
          channel: body.channel,
          subject_template: body.subject_template ?? null,
          body_template: body.body_template ?? null,
          html_template: body.html_template ?? null,
          created_at: iso(),
          updated_at: iso(),
        }
        templates.set(body.name, template)
        return HttpResponse.json(template, { status: 201 })
      }),
    ),

    http.post<{ name: string }, { data?: Record<string, unknown> }, RenderedTemplate | ErrorBody>(
      url('/v1/templates/:name/render'),
      ({ request, params }) =>
        auth(request, async () => {
          const template = templates.get(params.name)
          if (!template) return error(404, 'NOT_FOUND', 'template not found')
          const { data = {} } = await request.json()
          const render = (t: string | null | undefined, html: boolean) =>
            t == null
              ? null
              : t.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, path: string) => {
                  const value = path
                    .split('.')
                    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data)
                  const text = value == null ? '' : String(value)
                  return html ? text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c) : text
                })
          return HttpResponse.json({
            subject: render(template.subject_template, false),
            body: render(template.body_template, false),
            html: render(template.html_template, true),
          })
        }),
    ),

    http.get<never, never, VapidPublicKeyResponse | ErrorBody>(
      url('/v1/push/vapid-public-key'),
      ({ request }) => auth(request, () => HttpResponse.json({ public_key: TEST_VAPID_PUBLIC_KEY })),
    ),

    http.get<never, never, PushSubscriptionList | ErrorBody>(url('/v1/push/subscriptions'), ({ request }) =>
      auth(request, (who) =>
        HttpResponse.json({
          subscriptions: [...subscriptions.values()].filter((s) => s.user_id === who.userId),
        }),
      ),
    ),

    http.post<never, PushSubscriptionRequest, PushSubscriptionRecord | ErrorBody>(
      url('/v1/push/subscriptions'),
      ({ request }) =>
        auth(request, async (who) => {
          const body = await request.json()
          if (!body?.endpoint || !body.keys?.p256dh || !body.keys.auth)
            return error(400, 'VALIDATION_FAILED', 'endpoint and keys are required')
          const existing = [...subscriptions.values()].find((s) => s.endpoint === body.endpoint)
          const row = {
            id: existing?.id ?? `s-${uid()}`,
            user_id: who.userId,
            endpoint: body.endpoint,
            created_at: iso(),
          }
          subscriptions.set(row.id, row)
          return HttpResponse.json(row, { status: existing ? 200 : 201 })
        }),
    ),

    http.delete<{ id: string }>(url('/v1/push/subscriptions/:id'), ({ request, params }) =>
      auth(request, (who) => {
        const row = subscriptions.get(params.id)
        if (!row || !(who.isService || row.user_id === who.userId))
          return error(404, 'NOT_FOUND', 'subscription not found')
        subscriptions.delete(params.id)
        return new HttpResponse(null, { status: 204 })
      }),
    ),

    http.post<never, CreateNotificationRequest, CreateNotificationResponse | ErrorBody>(
      url('/v1/notifications'),
      ({ request }) =>
        auth(request, async (who) => {
          if (!who.isService) return error(403, 'FORBIDDEN', 'a service token is required')
          const body = await request.json()
          const row: Notification = {
            id: `d-${uid()}`,
            channel: body.channel,
            recipient: body.recipient,
            template: body.template ?? null,
            data: body.data ?? null,
            status: 'sent',
            sent_at: iso(),
            error: null,
            created_at: iso(),
            user_id: null,
          }
          deliveries.set(row.id, row)
          return HttpResponse.json({ id: row.id, channel: body.channel, success: true, error: null })
        }),
    ),

    http.get<never, never, ListNotificationsResponse | ErrorBody>(url('/v1/notifications'), ({ request }) =>
      auth(request, (who) => {
        const q = new URL(request.url).searchParams
        const limit = Number(q.get('limit') ?? 50)
        const offset = Number(q.get('offset') ?? 0)
        const rows = [...deliveries.values()].filter((r) => who.isService || r.user_id === who.userId)
        return HttpResponse.json({ notifications: rows.slice(offset, offset + limit), limit, offset })
      }),
    ),

    http.get<{ id: string }, never, Notification | ErrorBody>(
      url('/v1/notifications/:id'),
      ({ request, params }) =>
        auth(request, (who) => {
          const row = deliveries.get(params.id)
          return row && (who.isService || row.user_id === who.userId)
            ? HttpResponse.json(row)
            : error(404, 'NOT_FOUND', 'notification not found')
        }),
    ),
  ] as ReturnType<typeof http.get>[]

  return {
    handlers,
    deliver,
    inbox,
    failNextActions(count = 1, status = 500) {
      failing = { count, status }
    },
    dropStreams() {
      for (const s of streams) s.controller.close()
      streams.clear()
    },
  }
}
