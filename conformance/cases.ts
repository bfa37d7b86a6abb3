/**
 * Contract cases for the nself plugins, run against base URLs: the reference servers
 * (`@nself/server-stubs`) or any real deployment. Used by `npm run conformance` and by the
 * stubs' own tests, so both check the same thing.
 */
import { ErrorBodySchema, HEALTH_SCHEMAS, type PluginName } from '@nself/contracts'
import {
  FILES_PATHS,
  FileJobDetailsSchema,
  type FileJobList,
  FileJobListSchema,
  type FileJobState,
  FileJobStateSchema,
  type FileRecord,
  FileRecordSchema,
  type PresignUploadResponse,
  PresignUploadResponseSchema,
  TUS_EXTENSIONS,
  TUS_VERSION,
} from '@nself/contracts/files'
import {
  IDME_PATHS,
  IDME_PLUGIN_ROUTES,
  IdmeDiscoverySchema,
  IdmeJwksSchema,
  IdmeStatePayloadSchema,
  OAuthErrorSchema,
} from '@nself/contracts/idme'
import {
  type Job,
  type JobList,
  JobListSchema,
  JobSchema,
  type QueueList,
  QueueListSchema,
  type Schedule,
  ScheduleSchema,
} from '@nself/contracts/jobs'
import {
  CreateNotificationResponseSchema,
  InboxChangeEventSchema,
  type InboxCounts,
  InboxCountsEventSchema,
  type InboxCountsResponse,
  InboxCountsResponseSchema,
  type InboxItem,
  InboxItemSchema,
  type InboxPage,
  InboxPageSchema,
  ListNotificationsResponseSchema,
  ListTemplatesResponseSchema,
  NotificationSchema,
  type Preference,
  PreferenceSchema,
  PushSubscriptionListSchema,
  PushSubscriptionSchema,
  ReadAllResponseSchema,
  RenderedTemplateSchema,
  type SendNotificationResponse,
  SendNotificationResponseSchema,
  TemplateSchema,
  VapidPublicKeyResponseSchema,
} from '@nself/contracts/notifications'
import {
  ackSchema,
  type Connected,
  ConnectedSchema,
  MessageNewSchema,
  MessageSendAckDataSchema,
  PresenceChangedSchema,
  PresenceGetAckDataSchema,
  REALTIME_CONNECT_ERRORS,
  RoomJoinAckDataSchema,
  TypingEventSchema,
} from '@nself/contracts/realtime'
import { io } from 'socket.io-client'

/** Claims a case may ask the target to sign. */
export interface CaseTokenClaims {
  /** The `userId` claim. */
  userId: string
  /** The `sessionId` claim. */
  sessionId?: string
  /** Seconds (negative: already expired). */
  expiresIn?: number
  /** The `role` claim (`service` acts for any user). */
  role?: string
}

/** What the cases run against. */
export interface ConformanceTarget {
  /** Base URL of each plugin under test; the cases of the other plugins are not run. */
  urls: Partial<Record<PluginName, string>>
  /** A valid token of the deployment (`--token`). */
  token?: string
  /** Signs tokens with the deployment's secret (`--secret`); needed by cases with special tokens. */
  sign?: (claims: CaseTokenClaims, plugin: PluginName) => string
  /** Per-case network timeout in ms (default 5000). */
  timeoutMs?: number
}

/** Thrown by a case that cannot run against this target (e.g. it needs `sign`). */
export class CaseSkipped extends Error {}

/** One contract case. It throws on a violation. */
export interface ConformanceCase {
  /** `<plugin>: <what it checks>`. */
  readonly name: string
  /** The plugin whose URL the case runs against. */
  readonly plugin: PluginName
  /** Checks `url`; rejects with the violation, or with `CaseSkipped`. */
  run(url: string, target: ConformanceTarget): Promise<void>
}

/** The outcome of one case. */
export interface CaseResult {
  /** The case's name. */
  name: string
  /** The case's plugin. */
  plugin: PluginName
  /** Skipped cases are printed but counted neither way. */
  status: 'passed' | 'failed' | 'skipped'
  /** How long it took. */
  ms: number
  /** Why it failed or was skipped. */
  reason?: string
}

class ContractViolation extends Error {}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message)
}

function timeout(target: ConformanceTarget): number {
  return target.timeoutMs ?? 5_000
}

function healthCase(plugin: PluginName): ConformanceCase {
  return {
    name: `${plugin}: GET /health answers 200 in the real plugin's shape`,
    plugin,
    async run(url, target) {
      const res = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(timeout(target)) })
      check(res.status === 200, `status ${res.status}, expected 200`)
      check(
        /application\/json/i.test(res.headers.get('content-type') ?? ''),
        `content-type ${res.headers.get('content-type')}`,
      )
      const body: unknown = await res.json()
      const parsed = HEALTH_SCHEMAS[plugin].safeParse(body)
      check(parsed.success, `body ${JSON.stringify(body)} does not match the ${plugin} health schema`)
    },
  }
}

type HandshakeOutcome =
  | { kind: 'connect_error'; message: string; data: unknown }
  | { kind: 'connected'; payload: unknown; socketId: string | undefined }

/** Connects once (no reconnection) and reports the first of `connect_error` or `connected`. */
export function handshake(
  url: string,
  auth: Record<string, unknown>,
  timeoutMs: number,
): Promise<HandshakeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth,
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
      transports: ['websocket'],
    })
    const timer = setTimeout(
      () => finish(() => reject(new ContractViolation(`no connected/connect_error within ${timeoutMs} ms`))),
      timeoutMs,
    )
    function finish(settle: () => void) {
      clearTimeout(timer)
      socket.off()
      socket.close()
      settle()
    }
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      finish(() => resolve({ kind: 'connect_error', message: error.message, data: error.data }))
    })
    socket.on('connected', (payload: unknown) => {
      const socketId = socket.id
      finish(() => resolve({ kind: 'connected', payload, socketId }))
    })
  })
}

function expectConnectError(
  name: string,
  token: (target: ConformanceTarget) => string | undefined,
  message: string,
): ConformanceCase {
  return {
    name,
    plugin: 'realtime',
    async run(url, target) {
      const value = token(target)
      const outcome = await handshake(url, value === undefined ? {} : { token: value }, timeout(target))
      check(outcome.kind === 'connect_error', 'the handshake was accepted')
      check(
        outcome.message === message,
        `connect_error message ${JSON.stringify(outcome.message)}, expected ${JSON.stringify(message)}`,
      )
    },
  }
}

function validToken(target: ConformanceTarget): string {
  if (target.token) return target.token
  if (target.sign)
    return target.sign(
      { userId: 'conformance-user', sessionId: 'conformance-session', expiresIn: 300 },
      'realtime',
    )
  throw new CaseSkipped('needs --token or --secret')
}

// ---------------------------------------------------------------------------------------
// notifications (the Go routes and our extensions; each case uses fresh random users)

function notificationsToken(target: ConformanceTarget, userId: string, role?: string): string {
  if (!target.sign) throw new CaseSkipped('needs --secret (the cases sign tokens for several users)')
  return target.sign({ userId, expiresIn: 300, ...(role ? { role } : {}) }, 'notifications')
}

interface CallResult {
  status: number
  body: unknown
}

async function callNotifications(
  url: string,
  target: ConformanceTarget,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<CallResult> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeout(target)),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

function expectShape<T>(
  schema: { safeParse(v: unknown): { success: boolean } },
  result: CallResult,
  what: string,
): T {
  check(
    schema.safeParse(result.body).success,
    `${what}: ${JSON.stringify(result.body)} does not match the contract`,
  )
  return result.body as T
}

function freshUser(name: string): string {
  return `conformance-${name}-${Math.random().toString(36).slice(2, 10)}`
}

/** Sends an in-app notification to `userId` with a service token; returns its id. */
async function sendAsService(
  url: string,
  target: ConformanceTarget,
  userId: string,
  type = 'message',
): Promise<string> {
  const service = notificationsToken(target, freshUser('service'), 'service')
  const res = await callNotifications(url, target, service, 'POST', '/v1/notifications/send', {
    userId,
    type,
    title: 'Conformance <b>title</b>',
    body: 'hello',
    channels: ['in_app'],
  })
  check(res.status === 201, `send: status ${res.status}, expected 201 (${JSON.stringify(res.body)})`)
  return expectShape<SendNotificationResponse>(SendNotificationResponseSchema, res, 'send').id
}

/** Reads a server-sent-events stream until `until` returns true for the events so far. */
export async function readInboxStream(
  url: string,
  token: string,
  until: (events: Array<{ event: string; id: string | undefined; data: unknown }>) => boolean,
  timeoutMs: number,
  options: { lastEventId?: string; onOpen?: () => Promise<void> } = {},
): Promise<Array<{ event: string; id: string | undefined; data: unknown }>> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const events: Array<{ event: string; id: string | undefined; data: unknown }> = []
  try {
    const res = await fetch(new URL('/v1/inbox/stream', url), {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
      },
      signal: controller.signal,
    })
    check(res.status === 200, `stream: status ${res.status}`)
    check(/text\/event-stream/.test(res.headers.get('content-type') ?? ''), 'stream: not text/event-stream')
    check(res.body, 'stream: no body')
    const reader = res.body.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    let opened = false
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let event = 'message'
        let id: string | undefined
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim()
          else if (line.startsWith('id:')) id = line.slice(3).trim()
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
        }
        if (data.length > 0) events.push({ event, id, data: JSON.parse(data.join('\n')) })
        end = buffer.indexOf('\n\n')
      }
      if (!opened && events.length > 0) {
        opened = true
        await options.onOpen?.()
      }
      if (until(events)) break
    }
    return events
  } catch (error) {
    if (controller.signal.aborted)
      throw new ContractViolation(
        `stream: no expected event within ${timeoutMs} ms (got ${JSON.stringify(events)})`,
      )
    throw error
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
}

function notificationsCase(name: string, run: ConformanceCase['run']): ConformanceCase {
  return { name: `notifications: ${name}`, plugin: 'notifications', run }
}

/** The notifications cases: the Go routes, the inbox, its stream, preferences, templates, push. */
export const NOTIFICATIONS_CASES: readonly ConformanceCase[] = [
  notificationsCase(
    'POST /v1/notifications/send → 201 with one delivery per channel',
    async (url, target) => {
      const bob = freshUser('bob')
      const alice = notificationsToken(target, freshUser('alice'))
      const res = await callNotifications(url, target, alice, 'POST', '/v1/notifications/send', {
        userId: bob,
        type: 'message',
        title: 'New message',
        body: 'Hey',
        channels: ['in_app', 'email'],
      })
      check(res.status === 201, `status ${res.status}, expected 201: ${JSON.stringify(res.body)}`)
      const sent = expectShape<SendNotificationResponse>(SendNotificationResponseSchema, res, 'send')
      check(sent.deliveries.length === 2, `${sent.deliveries.length} deliveries, expected 2`)
      check(
        sent.deliveries.find((d) => d.channel === 'in_app')?.status === 'delivered',
        'in_app not delivered',
      )
    },
  ),
  notificationsCase('a user token may not send a type off the allow-list → 403', async (url, target) => {
    const alice = notificationsToken(target, freshUser('alice'))
    const res = await callNotifications(url, target, alice, 'POST', '/v1/notifications/send', {
      userId: freshUser('bob'),
      type: 'billing.invoice',
      title: 'Pay',
      body: 'now',
      channels: ['in_app'],
    })
    check(res.status === 403, `status ${res.status}, expected 403`)
    expectShape(ErrorBodySchema, res, 'error body')
  }),
  notificationsCase('the same idempotency key twice → one notification', async (url, target) => {
    const bobId = freshUser('bob')
    const alice = notificationsToken(target, freshUser('alice'))
    const body = {
      userId: bobId,
      type: 'mention',
      title: 'You were mentioned',
      body: '@bob',
      channels: ['in_app'],
    }
    const key = `conformance-${Math.random()}`
    const first = await callNotifications(url, target, alice, 'POST', '/v1/notifications/send', body, {
      'idempotency-key': key,
    })
    const second = await callNotifications(url, target, alice, 'POST', '/v1/notifications/send', body, {
      'idempotency-key': key,
    })
    const a = expectShape<SendNotificationResponse>(SendNotificationResponseSchema, first, 'first')
    const b = expectShape<SendNotificationResponse>(SendNotificationResponseSchema, second, 'second')
    check(a.id === b.id && b.duplicate, 'the repeated key created a second notification')
    const bob = notificationsToken(target, bobId)
    const page = await callNotifications(url, target, bob, 'GET', '/v1/inbox')
    const inbox = expectShape<InboxPage>(InboxPageSchema, page, 'inbox')
    check(inbox.notifications.length === 1, `${inbox.notifications.length} notifications, expected 1`)
  }),
  notificationsCase('GET /v1/inbox pages with a cursor, newest first, and filters', async (url, target) => {
    const bobId = freshUser('bob')
    for (let i = 0; i < 3; i++) await sendAsService(url, target, bobId, i === 2 ? 'mention' : 'message')
    const bob = notificationsToken(target, bobId)
    const first = expectShape<InboxPage>(
      InboxPageSchema,
      await callNotifications(url, target, bob, 'GET', '/v1/inbox?limit=2'),
      'page 1',
    )
    check(first.notifications.length === 2 && first.next_cursor, 'page 1: expected 2 items and a cursor')
    check(first.notifications[0]?.type === 'mention', 'not newest first')
    const second = expectShape<InboxPage>(
      InboxPageSchema,
      await callNotifications(
        url,
        target,
        bob,
        'GET',
        `/v1/inbox?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`,
      ),
      'page 2',
    )
    check(
      second.notifications.length === 1 && second.next_cursor === null,
      'page 2: expected 1 item, no cursor',
    )
    const mentions = expectShape<InboxPage>(
      InboxPageSchema,
      await callNotifications(url, target, bob, 'GET', '/v1/inbox?type=mention'),
      'by type',
    )
    check(mentions.notifications.length === 1, 'type filter')
  }),
  notificationsCase('read, seen, archive and counts; read-all', async (url, target) => {
    const bobId = freshUser('bob')
    const first = await sendAsService(url, target, bobId)
    await sendAsService(url, target, bobId, 'mention')
    const bob = notificationsToken(target, bobId)
    const counts = () => callNotifications(url, target, bob, 'GET', '/v1/inbox/counts?type=mention')
    const before = expectShape<InboxCountsResponse>(InboxCountsResponseSchema, await counts(), 'counts')
    check(
      before.unread === 2 && before.unseen === 2 && before.total === 2,
      `counts ${JSON.stringify(before)}`,
    )
    check(before.filtered?.unread === 1, 'filtered counts')
    const read = await callNotifications(url, target, bob, 'POST', `/v1/inbox/${first}/read`)
    const item = expectShape<InboxItem>(InboxItemSchema, read, 'read')
    check(item.read_at !== null && item.seen_at !== null, 'read did not set read_at and seen_at')
    const after = expectShape<InboxCountsResponse>(InboxCountsResponseSchema, await counts(), 'counts')
    check(after.unread === 1, `unread ${after.unread}, expected 1`)
    const archived = expectShape<InboxItem>(
      InboxItemSchema,
      await callNotifications(url, target, bob, 'POST', `/v1/inbox/${first}/archive`),
      'archive',
    )
    check(archived.archived_at !== null, 'archive')
    const archive = expectShape<InboxPage>(
      InboxPageSchema,
      await callNotifications(url, target, bob, 'GET', '/v1/inbox?status=archived'),
      'archived',
    )
    check(archive.notifications.length === 1, 'archived list')
    const back = await callNotifications(url, target, bob, 'POST', `/v1/inbox/${first}/unarchive`)
    check(expectShape<InboxItem>(InboxItemSchema, back, 'unarchive').archived_at === null, 'unarchive')
    const unread = await callNotifications(url, target, bob, 'POST', `/v1/inbox/${first}/unread`)
    const unreadItem = expectShape<InboxItem>(InboxItemSchema, unread, 'unread')
    check(unreadItem.read_at === null && unreadItem.seen_at !== null, 'unread keeps seen_at')
    const third = await sendAsService(url, target, bobId)
    const seen = expectShape<InboxItem>(
      InboxItemSchema,
      await callNotifications(url, target, bob, 'POST', `/v1/inbox/${third}/seen`),
      'seen',
    )
    check(seen.seen_at !== null && seen.read_at === null, 'seen sets seen_at only')
    const all = await callNotifications(url, target, bob, 'POST', '/v1/inbox/read-all', {})
    const result = expectShape<{ updated: number; counts: InboxCounts }>(
      ReadAllResponseSchema,
      all,
      'read-all',
    )
    check(result.updated === 3 && result.counts.unread === 0, `read-all ${JSON.stringify(result)}`)
  }),
  notificationsCase(
    'GET /v1/inbox/stream: counts first, then notification.created, ids on every event',
    async (url, target) => {
      const bobId = freshUser('bob')
      const bob = notificationsToken(target, bobId)
      const events = await readInboxStream(
        url,
        bob,
        (e) => e.some((x) => x.event === 'notification.created'),
        timeout(target),
        { onOpen: async () => void (await sendAsService(url, target, bobId)) },
      )
      check(events[0]?.event === 'counts', `first event ${events[0]?.event}, expected counts`)
      check(InboxCountsEventSchema.safeParse(events[0]?.data).success, 'counts event shape')
      const created = events.find((e) => e.event === 'notification.created')
      check(created && InboxChangeEventSchema.safeParse(created.data).success, 'notification.created shape')
      check(
        events.every((e) => e.id !== undefined && e.id !== ''),
        'an event without id',
      )
      const resumed = await readInboxStream(url, bob, (e) => e.length > 0, timeout(target), {
        lastEventId: created.id,
      })
      check(resumed[0]?.event === 'counts', 'a resume after the last event replays nothing')
    },
  ),
  notificationsCase(
    'user A cannot list, count, stream, read or mark user B’s notifications',
    async (url, target) => {
      const bobId = freshUser('bob')
      const id = await sendAsService(url, target, bobId)
      const alice = notificationsToken(target, freshUser('alice'))
      for (const path of [
        `/v1/inbox?user_id=${bobId}`,
        `/v1/inbox/counts?user_id=${bobId}`,
        `/v1/inbox/stream?user_id=${bobId}`,
      ]) {
        const res = await callNotifications(url, target, alice, 'GET', path)
        check(res.status === 403, `GET ${path}: status ${res.status}, expected 403`)
      }
      for (const action of ['read', 'unread', 'seen', 'archive', 'unarchive']) {
        const res = await callNotifications(url, target, alice, 'POST', `/v1/inbox/${id}/${action}`)
        check(
          res.status === 404,
          `POST ${action} of another user's notification: status ${res.status}, expected 404`,
        )
      }
      const all = await callNotifications(
        url,
        target,
        alice,
        'POST',
        `/v1/inbox/read-all?user_id=${bobId}`,
        {},
      )
      check(all.status === 403, `read-all for another user: status ${all.status}, expected 403`)
      const bob = notificationsToken(target, bobId)
      const counts = expectShape<InboxCounts>(
        InboxCountsResponseSchema,
        await callNotifications(url, target, bob, 'GET', '/v1/inbox/counts'),
        'counts',
      )
      check(counts.unread === 1, 'another user changed the inbox')
    },
  ),
  notificationsCase('preferences: defaults, PUT merges, another user’s → 403', async (url, target) => {
    const aliceId = freshUser('alice')
    const alice = notificationsToken(target, aliceId)
    const got = expectShape<Preference>(
      PreferenceSchema,
      await callNotifications(url, target, alice, 'GET', `/v1/preferences/${aliceId}`),
      'GET',
    )
    check(
      got.email_enabled && got.push_enabled && got.sms_enabled && got.user_id === aliceId,
      'defaults: every channel on',
    )
    const put = await callNotifications(url, target, alice, 'PUT', `/v1/preferences/${aliceId}`, {
      email_enabled: false,
      quiet_start: '22:00',
      quiet_end: '07:00',
      timezone: 'Europe/Paris',
      types: { mention: { channels: { push: false }, frequency: 'daily' } },
    })
    const saved = expectShape<Preference>(PreferenceSchema, put, 'PUT')
    check(!saved.email_enabled && saved.push_enabled && saved.quiet_start === '22:00', 'PUT did not merge')
    check(saved.types?.mention?.frequency === 'daily', 'per-type preferences')
    const bad = await callNotifications(url, target, alice, 'PUT', `/v1/preferences/${aliceId}`, {
      quiet_start: '25:00',
    })
    check(bad.status === 400, `invalid quiet_start: status ${bad.status}, expected 400`)
    const other = freshUser('bob')
    for (const method of ['GET', 'PUT']) {
      const res = await callNotifications(
        url,
        target,
        alice,
        method,
        `/v1/preferences/${other}`,
        method === 'PUT' ? {} : undefined,
      )
      check(res.status === 403, `${method} another user's preferences: status ${res.status}, expected 403`)
    }
  }),
  notificationsCase(
    'templates: service creates (201, 409 on repeat), anyone lists, render escapes HTML',
    async (url, target) => {
      const service = notificationsToken(target, freshUser('service'), 'service')
      const name = freshUser('template')
      const body = {
        name,
        channel: 'email',
        subject_template: 'Hi {{name}}',
        body_template: 'Text {{name}}',
        html_template: '<p>{{name}}</p>',
      }
      const created = await callNotifications(url, target, service, 'POST', '/v1/templates', body)
      check(created.status === 201, `status ${created.status}, expected 201`)
      expectShape(TemplateSchema, created, 'template')
      const again = await callNotifications(url, target, service, 'POST', '/v1/templates', body)
      check(again.status === 409, `repeat: status ${again.status}, expected 409`)
      const user = notificationsToken(target, freshUser('alice'))
      const list = expectShape<{ templates: Array<{ name: string }> }>(
        ListTemplatesResponseSchema,
        await callNotifications(url, target, user, 'GET', '/v1/templates'),
        'list',
      )
      check(
        list.templates.some((t) => t.name === name),
        'created template not listed',
      )
      const denied = await callNotifications(url, target, user, 'POST', '/v1/templates', {
        ...body,
        name: `${name}-2`,
      })
      check(denied.status === 403, `user token creating a template: status ${denied.status}, expected 403`)
      const rendered = await callNotifications(url, target, user, 'POST', `/v1/templates/${name}/render`, {
        data: { name: '<script>x</script>' },
      })
      const parts = expectShape<{ subject: string; html: string }>(RenderedTemplateSchema, rendered, 'render')
      check(parts.subject === 'Hi <script>x</script>', 'subject rendered')
      check(parts.html === '<p>&lt;script&gt;x&lt;/script&gt;</p>', `html not escaped: ${parts.html}`)
    },
  ),
  notificationsCase('web push: VAPID key, subscription create/list/delete', async (url, target) => {
    const alice = notificationsToken(target, freshUser('alice'))
    const key = expectShape<{ public_key: string }>(
      VapidPublicKeyResponseSchema,
      await callNotifications(url, target, alice, 'GET', '/v1/push/vapid-public-key'),
      'vapid',
    )
    check(/^[A-Za-z0-9_-]{80,}$/.test(key.public_key), 'not a base64url P-256 key')
    const sub = {
      endpoint: `https://push.example.test/${Math.random().toString(36).slice(2)}`,
      keys: {
        p256dh: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U',
        auth: 'tBHItJI5svbpez7KI4CCXg',
      },
    }
    const created = await callNotifications(url, target, alice, 'POST', '/v1/push/subscriptions', sub)
    check(created.status === 201, `status ${created.status}, expected 201`)
    const row = expectShape<{ id: string }>(PushSubscriptionSchema, created, 'subscription')
    const list = expectShape<{ subscriptions: Array<{ id: string }> }>(
      PushSubscriptionListSchema,
      await callNotifications(url, target, alice, 'GET', '/v1/push/subscriptions'),
      'list',
    )
    check(
      list.subscriptions.some((s) => s.id === row.id),
      'not listed',
    )
    const bob = notificationsToken(target, freshUser('bob'))
    const stolen = await callNotifications(url, target, bob, 'DELETE', `/v1/push/subscriptions/${row.id}`)
    check(stolen.status === 404, `another user deleting it: status ${stolen.status}, expected 404`)
    const deleted = await callNotifications(url, target, alice, 'DELETE', `/v1/push/subscriptions/${row.id}`)
    check(deleted.status === 204, `delete: status ${deleted.status}, expected 204`)
  }),
  notificationsCase(
    'the Go routes: POST /v1/notifications needs a service token; GET lists the caller’s',
    async (url, target) => {
      const aliceId = freshUser('alice')
      const alice = notificationsToken(target, aliceId)
      const denied = await callNotifications(url, target, alice, 'POST', '/v1/notifications', {
        channel: 'sms',
        recipient: '+15550100',
      })
      check(denied.status === 403, `user token: status ${denied.status}, expected 403`)
      const service = notificationsToken(target, freshUser('service'), 'service')
      const sent = await callNotifications(url, target, service, 'POST', '/v1/notifications', {
        channel: 'sms',
        recipient: '+15550100',
        data: { body: 'code 1234' },
      })
      check(sent.status === 200, `service: status ${sent.status}, expected 200`)
      const result = expectShape<{ id: string; success: boolean }>(
        CreateNotificationResponseSchema,
        sent,
        'create',
      )
      check(result.success, 'sms not sent')
      const row = expectShape<{ status: string }>(
        NotificationSchema,
        await callNotifications(url, target, service, 'GET', `/v1/notifications/${result.id}`),
        'get',
      )
      check(row.status === 'sent', `status ${row.status}`)
      const hidden = await callNotifications(url, target, alice, 'GET', `/v1/notifications/${result.id}`)
      check(hidden.status === 404, `another user's delivery: status ${hidden.status}, expected 404`)
      const list = expectShape(
        ListNotificationsResponseSchema,
        await callNotifications(url, target, alice, 'GET', '/v1/notifications?limit=10'),
        'list',
      )
      check((list as { limit: number }).limit === 10, 'limit echoed')
    },
  ),
]

// ---------------------------------------------------------------------------------------
// idme (the plugin's routes; the fake ID.me's cases skip where a deployment has none)

function idmeToken(target: ConformanceTarget, userId: string): string {
  if (!target.sign) throw new CaseSkipped('needs --secret (the cases sign tokens for fresh users)')
  return target.sign({ userId, expiresIn: 300 }, 'idme')
}

/** The fake ID.me's discovery document, or a skip when the URL serves no fake ID.me. */
async function fakeIdmeDiscovery(url: string, target: ConformanceTarget): Promise<unknown> {
  const res = await fetch(new URL(IDME_PATHS.discovery, url), {
    signal: AbortSignal.timeout(timeout(target)),
  })
  if (res.status === 404) throw new CaseSkipped('no fake ID.me at this URL (a real deployment)')
  check(res.status === 200, `discovery status ${res.status}`)
  return res.json()
}

function idmeCase(name: string, run: ConformanceCase['run']): ConformanceCase {
  return { name: `idme: ${name}`, plugin: 'idme', run }
}

export const IDME_CASES: readonly ConformanceCase[] = [
  idmeCase(
    'fake ID.me serves OIDC discovery (issuer <url>/oidc) and a JWKS of public keys',
    async (url, target) => {
      const discovery = IdmeDiscoverySchema.safeParse(await fakeIdmeDiscovery(url, target))
      check(discovery.success, 'the discovery document does not match IdmeDiscoverySchema')
      check(discovery.data.issuer === `${url}/oidc`, `issuer ${discovery.data.issuer}`)
      check(discovery.data.code_challenge_methods_supported?.includes('S256'), 'S256 not supported')
      const jwks = IdmeJwksSchema.safeParse(
        await (await fetch(discovery.data.jwks_uri, { signal: AbortSignal.timeout(timeout(target)) })).json(),
      )
      check(jwks.success && jwks.data.keys.length > 0, 'no keys in the JWKS')
      check(
        jwks.data.keys.every((k) => !('d' in k)),
        'the JWKS publishes a private key',
      )
    },
  ),
  idmeCase(
    'fake ID.me never redirects for an unknown client or an unregistered redirect_uri',
    async (url, target) => {
      await fakeIdmeDiscovery(url, target)
      const authorize = new URL(IDME_PATHS.authorize, url)
      authorize.search = new URLSearchParams({
        client_id: 'conformance-unknown-client',
        redirect_uri: 'https://evil.example/cb',
        response_type: 'code',
        scope: 'openid military',
        state: 's',
      }).toString()
      const res = await fetch(authorize, { redirect: 'manual', signal: AbortSignal.timeout(timeout(target)) })
      check(res.status === 400, `status ${res.status}, expected 400`)
      check(res.headers.get('location') === null, `redirected to ${res.headers.get('location')}`)
    },
  ),
  idmeCase(
    'fake ID.me token endpoint answers an OAuth error body (invalid_client for an unknown client)',
    async (url, target) => {
      await fakeIdmeDiscovery(url, target)
      const res = await fetch(new URL(IDME_PATHS.token, url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'nope',
          redirect_uri: 'https://x.example/cb',
          client_id: 'conformance-unknown-client',
          client_secret: 'nope',
        }),
        signal: AbortSignal.timeout(timeout(target)),
      })
      check(res.status === 401, `status ${res.status}, expected 401`)
      const body: unknown = await res.json()
      check(OAuthErrorSchema.safeParse(body).success, `body ${JSON.stringify(body)} is not an OAuth error`)
      check(
        (body as { error: string }).error === 'invalid_client',
        `error ${(body as { error: string }).error}`,
      )
    },
  ),
  idmeCase(
    'fake ID.me attributes API refuses a request without an access token (401)',
    async (url, target) => {
      await fakeIdmeDiscovery(url, target)
      const res = await fetch(new URL(IDME_PATHS.attributes, url), {
        signal: AbortSignal.timeout(timeout(target)),
      })
      check(res.status === 401, `status ${res.status}, expected 401`)
      check(/^Bearer/i.test(res.headers.get('www-authenticate') ?? ''), 'no WWW-Authenticate: Bearer')
    },
  ),
  idmeCase('GET /api/verifications/me needs a token; a fresh user has none (404)', async (url, target) => {
    const anonymous = await fetch(new URL(IDME_PLUGIN_ROUTES.myVerification, url), {
      signal: AbortSignal.timeout(timeout(target)),
    })
    check(anonymous.status === 401, `without a token: ${anonymous.status}, expected 401`)
    check(ErrorBodySchema.safeParse(await anonymous.json()).success, 'the 401 body is not { error, code }')
    const res = await fetch(new URL(IDME_PLUGIN_ROUTES.myVerification, url), {
      headers: { authorization: `Bearer ${idmeToken(target, freshUser('idme'))}` },
      signal: AbortSignal.timeout(timeout(target)),
    })
    check(res.status === 404, `status ${res.status}, expected 404`)
  }),
  idmeCase("another user's verification is forbidden to a user token (403)", async (url, target) => {
    const res = await fetch(new URL(`/api/verifications/${freshUser('other')}`, url), {
      headers: { authorization: `Bearer ${idmeToken(target, freshUser('idme'))}` },
      signal: AbortSignal.timeout(timeout(target)),
    })
    check(res.status === 403, `status ${res.status}, expected 403`)
  }),
  idmeCase(
    'GET /auth/idme → 302 to /oauth/authorize with PKCE S256 and state { nonce, sourceAccountId }',
    async (url, target) => {
      const res = await fetch(new URL(`${IDME_PLUGIN_ROUTES.auth}?groups=veteran`, url), {
        headers: { authorization: `Bearer ${idmeToken(target, freshUser('idme'))}` },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeout(target)),
      })
      check(res.status === 302, `status ${res.status}, expected 302`)
      const location = new URL(res.headers.get('location') ?? '', url)
      check(location.pathname === IDME_PATHS.authorize, `redirected to ${location.pathname}`)
      check(location.searchParams.get('code_challenge_method') === 'S256', 'no S256 code challenge')
      check(/\bmilitary\b/.test(location.searchParams.get('scope') ?? ''), 'veteran was not sent as military')
      const state = IdmeStatePayloadSchema.safeParse(
        JSON.parse(Buffer.from(location.searchParams.get('state') ?? '', 'base64url').toString('utf8')),
      )
      check(state.success, 'state is not base64url JSON { nonce, sourceAccountId }')
    },
  ),
  idmeCase('POST /webhook/idme refuses a wrong signature (401)', async (url, target) => {
    const body = JSON.stringify({ type: 'verification.completed', timestamp: new Date().toISOString() })
    const res = await fetch(new URL(IDME_PLUGIN_ROUTES.webhook, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-idme-signature': '0'.repeat(64) },
      body,
      signal: AbortSignal.timeout(timeout(target)),
    })
    check(res.status === 401, `status ${res.status}, expected 401`)
  }),
]

// ---------------------------------------------------------------------------------------
// realtime events (WIRE.md's table; the extensions are checked where the target has them)

/** A connected socket of a case, with everything it received. */
interface RealtimeCaseSocket {
  /** The socket's id. */
  id: string | undefined
  /** `[event, payload]` in order of arrival. */
  received: Array<[string, unknown]>
  /** The first `event` matching, already received or within the case's timeout. */
  waitFor(event: string, match?: (payload: unknown) => boolean): Promise<unknown>
  /** Emits with an ack; `undefined` when none comes within the timeout. */
  ack(event: string, payload: unknown): Promise<unknown>
  /** Emits without an ack. */
  send(event: string, payload: unknown): void
  close(): void
}

/** Connects with `token` and resolves once the server sent `connected`. */
async function realtimeSocket(url: string, token: string, ms: number): Promise<RealtimeCaseSocket> {
  const socket = io(url, {
    auth: { token },
    reconnection: false,
    forceNew: true,
    timeout: ms,
    transports: ['websocket'],
  })
  const received: Array<[string, unknown]> = []
  const waiters = new Set<() => void>()
  socket.onAny((event: string, payload: unknown) => {
    received.push([event, payload])
    for (const waiter of waiters) waiter()
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ContractViolation(`no connected within ${ms} ms`)), ms)
    socket.once('connected', () => {
      clearTimeout(timer)
      resolve()
    })
    socket.once('connect_error', (error) => {
      clearTimeout(timer)
      reject(new ContractViolation(`connect_error ${error.message}`))
    })
  }).catch((error: unknown) => {
    socket.close()
    throw error
  })
  return {
    id: socket.id,
    received,
    waitFor(event, match = () => true) {
      const find = () => received.find(([e, p]) => e === event && match(p))
      const found = find()
      if (found) return Promise.resolve(found[1])
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new ContractViolation(`no ${event} within ${ms} ms`))
        }, ms)
        const waiter = () => {
          const hit = find()
          if (!hit) return
          clearTimeout(timer)
          waiters.delete(waiter)
          resolve(hit[1])
        }
        waiters.add(waiter)
      })
    },
    ack: (event, payload) =>
      socket
        .timeout(ms)
        .emitWithAck(event, payload)
        .catch(() => undefined),
    send: (event, payload) => {
      socket.emit(event, payload)
    },
    close: () => {
      socket.close()
    },
  }
}

/** Two tokens: two users when the target can sign, else the one token twice (two sockets). */
function realtimeTokens(target: ConformanceTarget): [string, string] {
  if (target.sign) {
    const suffix = Math.random().toString(36).slice(2, 8)
    return [
      target.sign({ userId: `conformance-a-${suffix}`, expiresIn: 300 }, 'realtime'),
      target.sign({ userId: `conformance-b-${suffix}`, expiresIn: 300 }, 'realtime'),
    ]
  }
  const token = validToken(target)
  return [token, token]
}

/** The room every realtime case uses (the real plugin needs it to exist beforehand). */
const CONFORMANCE_ROOM = 'nself-conformance'

/** Connects two sockets and joins both to the conformance room; skips when the room does not exist. */
/** A realtime case run with two connected sockets of two users in the conformance room. */
function realtimePairCase(
  name: string,
  run: (pair: Awaited<ReturnType<typeof realtimePair>>) => Promise<void>,
): ConformanceCase {
  return realtimeCase(name, async (url, target) => {
    const pair = await realtimePair(url, target)
    try {
      await run(pair)
    } finally {
      pair.close()
    }
  })
}

async function realtimePair(
  url: string,
  target: ConformanceTarget,
): Promise<{ a: RealtimeCaseSocket; b: RealtimeCaseSocket; joinAck: unknown; close(): void }> {
  const [ta, tb] = realtimeTokens(target)
  const a = await realtimeSocket(url, ta, timeout(target))
  const b = await realtimeSocket(url, tb, timeout(target)).catch((error: unknown) => {
    a.close()
    throw error
  })
  const close = () => {
    a.close()
    b.close()
  }
  try {
    const joinAck = (await a.ack('room:join', { roomName: CONFORMANCE_ROOM })) as AckShape | undefined
    if (joinAck?.error?.code === 'ROOM_NOT_FOUND') {
      throw new CaseSkipped(`create the room ${JSON.stringify(CONFORMANCE_ROOM)} on the deployment first`)
    }
    check(joinAck !== undefined, 'room:join got no ack')
    await b.ack('room:join', { roomName: CONFORMANCE_ROOM })
    return { a, b, joinAck, close }
  } catch (error) {
    close()
    throw error
  }
}

interface AckShape {
  success?: unknown
  data?: unknown
  error?: { code?: unknown; message?: unknown }
}

function realtimeCase(name: string, run: ConformanceCase['run']): ConformanceCase {
  return { name: `realtime: ${name}`, plugin: 'realtime', run }
}

export const REALTIME_CASES: readonly ConformanceCase[] = [
  realtimePairCase('room:join acks { success: true, data: { roomName, memberCount } }', async (pair) => {
    const parsed = ackSchema(RoomJoinAckDataSchema).safeParse(pair.joinAck)
    check(parsed.success && parsed.data.success === true, `ack ${JSON.stringify(pair.joinAck)}`)
    check(parsed.data.data?.roomName === CONFORMANCE_ROOM, `roomName ${parsed.data.data?.roomName}`)
    check((parsed.data.data?.memberCount ?? 0) >= 1, `memberCount ${parsed.data.data?.memberCount}`)
  }),
  realtimePairCase(
    'message:send → message:new to the whole room, sender included (extension: id, echoed clientMessageId, de-duplicated resend)',
    async (pair) => {
      const clientMessageId = `conformance-${Math.random().toString(36).slice(2)}`
      const content = `hello ${clientMessageId}`
      const ack = (await pair.a.ack('message:send', {
        roomName: CONFORMANCE_ROOM,
        content,
        clientMessageId,
      })) as AckShape | undefined
      check(ack?.success === true, `ack ${JSON.stringify(ack)}`)
      const mine = (p: unknown) => (p as { content?: unknown }).content === content
      const forB = await pair.b.waitFor('message:new', mine)
      const forA = await pair.a.waitFor('message:new', mine)
      for (const payload of [forA, forB]) {
        check(MessageNewSchema.safeParse(payload).success, `message:new ${JSON.stringify(payload)}`)
      }
      const data = MessageSendAckDataSchema.safeParse(ack.data)
      if (!data.success) return // the real plugin acks `{ success: true }` only: no ids to check
      const message = MessageNewSchema.parse(forB)
      check(message.id === data.data.id, `message:new id ${message.id}, ack id ${data.data.id}`)
      check(message.clientMessageId === clientMessageId, `clientMessageId ${message.clientMessageId}`)
      const resend = await pair.a.ack('message:send', {
        roomName: CONFORMANCE_ROOM,
        content,
        clientMessageId,
      })
      check(JSON.stringify(resend) === JSON.stringify(ack), `resend acked ${JSON.stringify(resend)}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
      const copies = pair.b.received.filter(([e, p]) => e === 'message:new' && mine(p)).length
      check(copies === 1, `the resend was delivered again (${copies} copies)`)
    },
  ),
  realtimePairCase(
    '(extension) room:join { since } acks serverTime and replays the messages from then on, oldest first',
    async (pair) => {
      const joined = ackSchema(RoomJoinAckDataSchema).safeParse(pair.joinAck)
      const serverTime = joined.success ? joined.data.data?.serverTime : undefined
      if (serverTime === undefined) throw new CaseSkipped('no serverTime in the room:join ack: no replay')
      const tag = `conformance-replay-${Math.random().toString(36).slice(2)}`
      const contents = [`${tag} 1`, `${tag} 2`]
      for (const content of contents) {
        const ack = (await pair.a.ack('message:send', { roomName: CONFORMANCE_ROOM, content })) as
          | AckShape
          | undefined
        check(ack?.success === true, `message:send ack ${JSON.stringify(ack)}`)
      }
      const rejoin = await pair.b.ack('room:join', { roomName: CONFORMANCE_ROOM, since: serverTime })
      const parsed = ackSchema(RoomJoinAckDataSchema).safeParse(rejoin)
      check(parsed.success && parsed.data.success === true, `ack ${JSON.stringify(rejoin)}`)
      const replayed = (parsed.data.data?.messages ?? [])
        .map((m) => m.content)
        .filter((c) => c.startsWith(tag))
      check(JSON.stringify(replayed) === JSON.stringify(contents), `replayed ${JSON.stringify(replayed)}`)
    },
  ),
  realtimePairCase(
    'typing:start → typing:event with the typist to the other sockets of the room',
    async (pair) => {
      pair.a.send('typing:start', { roomName: CONFORMANCE_ROOM })
      const event = await pair.b.waitFor(
        'typing:event',
        (p) => (p as { users?: unknown[] }).users?.length !== 0,
      )
      const parsed = TypingEventSchema.safeParse(event)
      check(parsed.success, `typing:event ${JSON.stringify(event)}`)
      check(parsed.data.roomName === CONFORMANCE_ROOM, `roomName ${parsed.data.roomName}`)
      check(!('threadId' in parsed.data), 'threadId present for the room itself')
      pair.a.send('typing:stop', { roomName: CONFORMANCE_ROOM })
      await new Promise((resolve) => setTimeout(resolve, 100))
      check(
        !pair.a.received.some(([e]) => e === 'typing:event'),
        'the typing socket heard its own typing:event',
      )
    },
  ),
  realtimePairCase(
    'presence:update → presence:changed to every socket, custom status flattened to strings',
    async (pair) => {
      const text = `conformance ${Math.random().toString(36).slice(2)}`
      pair.a.send('presence:update', { status: 'busy', customStatus: { text, emoji: '🧪' } })
      const match = (p: unknown) => (p as { customStatus?: unknown }).customStatus === text
      const seen = await pair.b.waitFor('presence:changed', match)
      const parsed = PresenceChangedSchema.safeParse(seen)
      check(parsed.success, `presence:changed ${JSON.stringify(seen)}`)
      check(parsed.data.status === 'busy' && parsed.data.customEmoji === '🧪', JSON.stringify(seen))
      await pair.a.waitFor('presence:changed', match)
      pair.a.send('presence:update', { status: 'online' })
    },
  ),
  realtimePairCase('(extension) presence:get acks the presence of each user asked for', async (pair) => {
    const ack = await pair.a.ack('presence:get', { userIds: ['nself-conformance-nobody'] })
    if (ack === undefined) throw new CaseSkipped('no ack: the deployment has no presence:get')
    const parsed = ackSchema(PresenceGetAckDataSchema).safeParse(ack)
    check(parsed.success && parsed.data.success, `ack ${JSON.stringify(ack)}`)
    check(
      JSON.stringify(parsed.data.data?.presences) ===
        JSON.stringify([{ userId: 'nself-conformance-nobody', status: 'offline' }]),
      `presences ${JSON.stringify(parsed.data.data?.presences)}`,
    )
  }),
  realtimePairCase(
    '(extension) a malformed payload or an unknown event gets a typed ack error and the socket stays usable',
    async (pair) => {
      const bad = (await pair.a.ack('message:send', { roomName: CONFORMANCE_ROOM, content: 42 })) as
        | AckShape
        | undefined
      if (bad === undefined)
        throw new CaseSkipped('no ack: the deployment does not answer malformed payloads')
      check(bad.success === false && bad.error?.code === 'VALIDATION_FAILED', `ack ${JSON.stringify(bad)}`)
      const unknown = (await pair.a.ack('conformance:unknown', {})) as AckShape | undefined
      check(
        unknown?.success === false && unknown.error?.code === 'BAD_REQUEST',
        `ack ${JSON.stringify(unknown)}`,
      )
      const ok = (await pair.a.ack('room:join', { roomName: CONFORMANCE_ROOM })) as AckShape | undefined
      check(ok?.success === true, 'the socket no longer works after bad input')
    },
  ),
]

// ---------------------------------------------------------------------------------------
// jobs (the Go routes, then our extensions; each case uses fresh random users)

function jobsToken(target: ConformanceTarget, userId: string): string {
  if (!target.sign) throw new CaseSkipped('needs --secret (the cases sign tokens for several users)')
  return target.sign({ userId, expiresIn: 300 }, 'jobs')
}

async function jobsCall(
  url: string,
  target: ConformanceTarget,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeout(target)),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers }
}

function parsedAs<T>(
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  value: unknown,
  what: string,
): T {
  const result = schema.safeParse(value)
  check(result.success, `${what}: ${JSON.stringify(value)} does not match the contract`)
  return result.data as T
}

const jobsUser = () => `conformance-jobs-${Math.random().toString(36).slice(2, 10)}`

export const JOBS_CASES: readonly ConformanceCase[] = [
  {
    name: 'jobs: POST /v1/jobs → 201 Job with the real plugin’s defaults (queue default, priority 0, max_attempts 3)',
    plugin: 'jobs',
    async run(url, target) {
      const token = jobsToken(target, jobsUser())
      const res = await jobsCall(url, target, token, 'POST', '/v1/jobs', {
        payload: { hello: 'world' },
        delay_ms: 60_000,
      })
      check(res.status === 201, `status ${res.status}, expected 201`)
      const job = parsedAs<Job>(JobSchema, res.body, 'Job')
      check(
        job.queue === 'default' && job.priority === 0 && job.max_attempts === 3,
        `defaults ${JSON.stringify(job)}`,
      )
      check(job.status === 'pending' && job.attempts === 0, `status ${job.status}, attempts ${job.attempts}`)
      check(
        Date.parse(job.scheduled_at) - Date.parse(job.created_at) >= 59_000,
        'delay_ms not applied to scheduled_at',
      )
      const got = await jobsCall(url, target, token, 'GET', `/v1/jobs/${job.id}`)
      check(got.status === 200 && (got.body as Job).id === job.id, `GET /v1/jobs/{id}: ${got.status}`)
    },
  },
  {
    name: 'jobs: GET /v1/jobs → { jobs, count, limit: 50, offset: 0 }; GET /v1/jobs/{unknown} → 404 { error }',
    plugin: 'jobs',
    async run(url, target) {
      const token = jobsToken(target, jobsUser())
      await jobsCall(url, target, token, 'POST', '/v1/jobs', { queue: 'conformance', delay_ms: 60_000 })
      const list = parsedAs<JobList>(
        JobListSchema,
        (await jobsCall(url, target, token, 'GET', '/v1/jobs?queue=conformance')).body,
        'job list',
      )
      check(list.limit === 50 && list.offset === 0, `limit ${list.limit}, offset ${list.offset}`)
      check(
        list.count === list.jobs.length && list.jobs.every((j) => j.queue === 'conformance'),
        'count or queue filter',
      )
      const missing = await jobsCall(
        url,
        target,
        token,
        'GET',
        '/v1/jobs/00000000-0000-4000-8000-000000000000',
      )
      check(missing.status === 404, `status ${missing.status}, expected 404`)
      parsedAs(ErrorBodySchema, missing.body, '404 body')
    },
  },
  {
    name: 'jobs: GET /v1/queues and GET /v1/dlq answer in the real plugin’s shapes; retry of a pending job is refused',
    plugin: 'jobs',
    async run(url, target) {
      const token = jobsToken(target, jobsUser())
      const job = (
        await jobsCall(url, target, token, 'POST', '/v1/jobs', { queue: 'conformance-q', delay_ms: 60_000 })
      ).body as Job
      const queues = parsedAs<QueueList>(
        QueueListSchema,
        (await jobsCall(url, target, token, 'GET', '/v1/queues')).body,
        'queues',
      )
      check(
        queues.queues.some((q) => q.name === 'conformance-q' && q.pending >= 1),
        `queue conformance-q missing: ${JSON.stringify(queues)}`,
      )
      parsedAs(JobListSchema, (await jobsCall(url, target, token, 'GET', '/v1/dlq')).body, 'dlq')
      const retry = await jobsCall(url, target, token, 'POST', `/v1/jobs/${job.id}/retry`)
      check(retry.status >= 400 && retry.status < 500, `retry of a pending job: ${retry.status}`)
    },
  },
  {
    name: 'jobs (extension): cancel, type + run_at, idempotency_key, and another user cannot see the job',
    plugin: 'jobs',
    async run(url, target) {
      const userId = jobsUser()
      const token = jobsToken(target, userId)
      const runAt = new Date(Date.now() + 3600_000).toISOString()
      const body = {
        type: 'send-email-digest',
        payload: { userId, frequency: 'daily' },
        run_at: runAt,
        idempotency_key: 'once',
      }
      const first = await jobsCall(url, target, token, 'POST', '/v1/jobs', body)
      check(first.status === 201, `status ${first.status}: ${JSON.stringify(first.body)}`)
      const job = parsedAs<Job>(JobSchema, first.body, 'Job')
      check(
        job.type === 'send-email-digest' && job.scheduled_at === runAt,
        `type/run_at: ${JSON.stringify(job)}`,
      )
      const again = await jobsCall(url, target, token, 'POST', '/v1/jobs', body)
      check(again.status === 200 && (again.body as Job).id === job.id, `idempotent create: ${again.status}`)
      const other = await jobsCall(url, target, jobsToken(target, jobsUser()), 'GET', `/v1/jobs/${job.id}`)
      check(other.status === 404, `another user read the job: ${other.status}`)
      const cancelled = await jobsCall(url, target, token, 'POST', `/v1/jobs/${job.id}/cancel`)
      check(
        cancelled.status === 200 && (cancelled.body as Job).status === 'cancelled',
        `cancel: ${cancelled.status}`,
      )
    },
  },
  {
    name: 'jobs (extension): GET /v1/jobs/{id}/events streams the job as server-sent events with ids',
    plugin: 'jobs',
    async run(url, target) {
      const token = jobsToken(target, jobsUser())
      const job = (await jobsCall(url, target, token, 'POST', '/v1/jobs', { delay_ms: 60_000 })).body as Job
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), timeout(target))
      try {
        const res = await fetch(new URL(`/v1/jobs/${job.id}/events`, url), {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal: controller.signal,
        })
        check(res.status === 200, `status ${res.status}`)
        check(/text\/event-stream/.test(res.headers.get('content-type') ?? ''), 'not text/event-stream')
        const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader()
        let text = ''
        while (reader && !/\n\n/.test(text.replace(/^retry: \d+\n\n/, '')))
          text += (await reader.read()).value ?? ''
        const block = text.replace(/^retry: \d+\n\n/, '').split('\n\n')[0] ?? ''
        check(/^id: .+/m.test(block), `no id: ${block}`)
        check(/^event: job\.snapshot$/m.test(block), `first event is not job.snapshot: ${block}`)
        const data = /^data: (.*)$/m.exec(block)?.[1]
        parsedAs(JobSchema, JSON.parse(data ?? 'null'), 'event data')
      } finally {
        clearTimeout(timer)
        controller.abort()
      }
    },
  },
  {
    name: 'jobs (extension): POST/GET/DELETE /v1/schedules with a cron expression and a time zone',
    plugin: 'jobs',
    async run(url, target) {
      const userId = jobsUser()
      const token = jobsToken(target, userId)
      const created = await jobsCall(url, target, token, 'POST', '/v1/schedules', {
        name: 'conformance-digest',
        cron: '0 8 * * *',
        timezone: 'Europe/Berlin',
        type: 'send-email-digest',
        payload: { userId, frequency: 'daily' },
      })
      check(created.status === 201, `status ${created.status}: ${JSON.stringify(created.body)}`)
      const schedule = parsedAs<Schedule>(ScheduleSchema, created.body, 'Schedule')
      check(
        schedule.next_run_at !== null && [6, 7].includes(new Date(schedule.next_run_at).getUTCHours()),
        'next_run_at not 08:00 Berlin',
      )
      const list = (await jobsCall(url, target, token, 'GET', '/v1/schedules')).body as {
        schedules: Schedule[]
      }
      check(
        list.schedules.some((s) => s.name === 'conformance-digest'),
        'schedule not listed',
      )
      const removed = await jobsCall(url, target, token, 'DELETE', '/v1/schedules/conformance-digest')
      check(removed.status === 200, `delete: ${removed.status}`)
    },
  },
]

// ---------------------------------------------------------------------------------------
// files (the real plugin's job API and our extensions: tus, presigned PUT, records,
// downloads, events; each case uses fresh random users and a small text file)

function filesToken(target: ConformanceTarget, userId: string): string {
  if (!target.sign) throw new CaseSkipped('needs --secret (the cases sign tokens for several users)')
  return target.sign({ userId, expiresIn: 300 }, 'files')
}

async function filesCall(
  url: string,
  target: ConformanceTarget,
  token: string | null,
  method: string,
  path: string,
  init: { body?: BodyInit; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(new URL(path, url), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.json === undefined
      ? init.body === undefined
        ? {}
        : { body: init.body }
      : { body: JSON.stringify(init.json) }),
    signal: AbortSignal.timeout(timeout(target)),
  })
}

const TUS = { 'tus-resumable': '1.0.0' }
const b64 = (text: string) => Buffer.from(text).toString('base64')

/** Uploads `text` with tus (creation, then one PATCH) and waits for processing to end. */
async function uploadText(
  url: string,
  target: ConformanceTarget,
  token: string,
  text: string,
): Promise<FileRecord> {
  const bytes = new TextEncoder().encode(text)
  const created = await filesCall(url, target, token, 'POST', FILES_PATHS.uploads, {
    headers: {
      ...TUS,
      'upload-length': String(bytes.length),
      'upload-metadata': `name ${b64('conformance.txt')},type ${b64('text/plain')}`,
    },
  })
  check(created.status === 201, `tus create: status ${created.status}`)
  const location = created.headers.get('location')
  check(location, 'tus create: no Location')
  const uploadUrl = new URL(location, url).href
  const patched = await filesCall(uploadUrl, target, token, 'PATCH', uploadUrl, {
    body: bytes,
    headers: { ...TUS, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
  })
  check(patched.status === 204, `tus PATCH: status ${patched.status}`)
  check(
    patched.headers.get('upload-offset') === String(bytes.length),
    `tus PATCH: Upload-Offset ${patched.headers.get('upload-offset')}`,
  )
  const id = new URL(uploadUrl).pathname.split('/').pop() as string
  const res = await filesCall(url, target, token, 'GET', `${FILES_PATHS.files}/${id}?wait=10`)
  check(res.status === 200, `GET /api/files/:id: status ${res.status}`)
  const body: unknown = await res.json()
  check(
    FileRecordSchema.safeParse(body).success,
    `record ${JSON.stringify(body)} does not match FileRecordSchema`,
  )
  return body as FileRecord
}

async function expectError(res: Response, status: number, what: string): Promise<void> {
  check(res.status === status, `${what}: status ${res.status}, expected ${status}`)
  const body: unknown = await res.json().catch(() => null)
  check(ErrorBodySchema.safeParse(body).success, `${what}: ${JSON.stringify(body)} is not { error, code }`)
}

export const FILES_CASES: readonly ConformanceCase[] = [
  {
    name: 'files: OPTIONS /uploads (tus discovery) → Tus-Version 1.0.0 and the extensions',
    plugin: 'files',
    async run(url, target) {
      const res = await filesCall(url, target, null, 'OPTIONS', FILES_PATHS.uploads, { headers: TUS })
      check(res.status === 204 || res.status === 200, `status ${res.status}`)
      check(
        res.headers.get('tus-version')?.split(',').includes(TUS_VERSION),
        `Tus-Version ${res.headers.get('tus-version')}`,
      )
      const extensions = res.headers.get('tus-extension')?.split(',') ?? []
      for (const ext of TUS_EXTENSIONS) check(extensions.includes(ext), `Tus-Extension lacks ${ext}`)
    },
  },
  {
    name: 'files: an upload without a token → 401 { error, code }',
    plugin: 'files',
    async run(url, target) {
      await expectError(
        await filesCall(url, target, null, 'POST', FILES_PATHS.uploads, {
          headers: { ...TUS, 'upload-length': '1' },
        }),
        401,
        'POST /uploads',
      )
    },
  },
  {
    name: 'files: tus round trip → a processed record with the bytes’ SHA-256; the signed url serves them',
    plugin: 'files',
    async run(url, target) {
      const token = filesToken(target, freshUser('files'))
      const text = `conformance ${Math.random()}\n`
      const record = await uploadText(url, target, token, text)
      const digest = Buffer.from(
        await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
      ).toString('hex')
      check(record.sha256 === digest, `sha256 ${record.sha256}, expected ${digest}`)
      check(record.size === new TextEncoder().encode(text).length, `size ${record.size}`)
      check(record.processing.status === 'completed', `processing ${record.processing.status}`)
      const download = await fetch(record.url, { signal: AbortSignal.timeout(timeout(target)) })
      check(download.status === 200, `download: status ${download.status}`)
      check((await download.text()) === text, 'download: other bytes')
      await expectError(
        await filesCall(url, target, null, 'GET', new URL(record.url).pathname),
        401,
        'download without token',
      )
    },
  },
  {
    name: 'files: another user’s record, download and job → 404',
    plugin: 'files',
    async run(url, target) {
      const record = await uploadText(url, target, filesToken(target, freshUser('owner')), 'mine\n')
      const other = filesToken(target, freshUser('other'))
      await expectError(
        await filesCall(url, target, other, 'GET', `${FILES_PATHS.files}/${record.id}`),
        404,
        'record',
      )
      await expectError(
        await filesCall(url, target, other, 'GET', new URL(record.url).pathname),
        404,
        'download',
      )
      await expectError(
        await filesCall(url, target, other, 'GET', `${FILES_PATHS.jobs}/${record.processing.jobId}`),
        404,
        'job',
      )
    },
  },
  {
    name: 'files: POST /api/files/upload → the chat app’s presigned shape; the PUT stores the file',
    plugin: 'files',
    async run(url, target) {
      const token = filesToken(target, freshUser('put'))
      const text = 'presigned\n'
      const res = await filesCall(url, target, token, 'POST', FILES_PATHS.presign, {
        json: { fileName: 'p.txt', mimeType: 'text/plain', size: text.length },
      })
      check(res.status === 200, `presign: status ${res.status}`)
      const body: unknown = await res.json()
      check(
        PresignUploadResponseSchema.safeParse(body).success,
        `presign: ${JSON.stringify(body)} does not match`,
      )
      const presigned = body as PresignUploadResponse
      const put = await fetch(presigned.uploadUrl, {
        method: 'PUT',
        headers: presigned.headers,
        body: text,
        signal: AbortSignal.timeout(timeout(target)),
      })
      check(put.status === 200, `PUT: status ${put.status}`)
      const record = (await (
        await filesCall(url, target, token, 'GET', `${FILES_PATHS.files}/${presigned.fileId}?wait=10`)
      ).json()) as FileRecord
      check(record.id === presigned.fileId && record.size === text.length, `record ${JSON.stringify(record)}`)
    },
  },
  {
    name: 'files: job API → 400 VALIDATION_FAILED for a bad body, { jobs } for a list, { state, progress } for a job',
    plugin: 'files',
    async run(url, target) {
      const token = filesToken(target, freshUser('jobs'))
      await expectError(
        await filesCall(url, target, token, 'POST', FILES_PATHS.jobs, { json: { fileId: 7 } }),
        400,
        'POST /api/jobs',
      )
      const record = await uploadText(url, target, token, 'job\n')
      const list: unknown = await (await filesCall(url, target, token, 'GET', FILES_PATHS.jobs)).json()
      check(FileJobListSchema.safeParse(list).success, `list ${JSON.stringify(list)} does not match`)
      check(
        (list as FileJobList).jobs.some((j) => j.id === record.processing.jobId),
        'the job is not listed',
      )
      const details: unknown = await (
        await filesCall(url, target, token, 'GET', `${FILES_PATHS.jobs}/${record.processing.jobId}`)
      ).json()
      check(
        FileJobDetailsSchema.safeParse(details).success,
        `details ${JSON.stringify(details)} do not match`,
      )
      const state: unknown = await (
        await filesCall(url, target, token, 'GET', `/v1/jobs/${record.processing.jobId}`)
      ).json()
      check(FileJobStateSchema.safeParse(state).success, `state ${JSON.stringify(state)} does not match`)
      check(
        (state as FileJobState).state === 'completed' && (state as FileJobState).progress === 100,
        `state ${JSON.stringify(state)}`,
      )
      await expectError(
        await filesCall(
          url,
          target,
          token,
          'GET',
          `${FILES_PATHS.jobs}/00000000-0000-4000-8000-000000000000`,
        ),
        404,
        'unknown job',
      )
    },
  },
  {
    name: 'files: GET /api/files/events?fileId= → the file’s state as an event with an id',
    plugin: 'files',
    async run(url, target) {
      const token = filesToken(target, freshUser('events'))
      const record = await uploadText(url, target, token, 'events\n')
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), timeout(target))
      try {
        const res = await fetch(new URL(`${FILES_PATHS.events}?fileId=${record.id}`, url), {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal: controller.signal,
        })
        check(res.status === 200 && res.body, `events: status ${res.status}`)
        const reader = res.body.getReader()
        let text = ''
        while (!/data:[^\n]*\n\n/.test(text)) {
          const { done, value } = await reader.read()
          if (done) break
          text += new TextDecoder().decode(value)
        }
        const block = text.split('\n\n').find((b) => b.includes('data:')) ?? ''
        const id = /^id: *(.+)$/m.exec(block)?.[1]
        const data = JSON.parse(/^data: *(.+)$/m.exec(block)?.[1] ?? 'null') as unknown
        check(id, `event without an id: ${JSON.stringify(block)}`)
        check(
          FileRecordSchema.safeParse(data).success && (data as FileRecord).id === record.id,
          `event data ${JSON.stringify(data)}`,
        )
      } finally {
        clearTimeout(timer)
        controller.abort()
      }
    },
  },
  {
    name: 'files: an executable named .txt is refused by its bytes → 415',
    plugin: 'files',
    async run(url, target) {
      const token = filesToken(target, freshUser('exe'))
      const bytes = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00])
      const created = await filesCall(url, target, token, 'POST', FILES_PATHS.uploads, {
        headers: {
          ...TUS,
          'upload-length': String(bytes.length),
          'upload-metadata': `name ${b64('notes.txt')},type ${b64('text/plain')}`,
        },
      })
      check(created.status === 201, `create: status ${created.status}`)
      const uploadUrl = new URL(created.headers.get('location') ?? '', url).href
      const patched = await filesCall(uploadUrl, target, token, 'PATCH', uploadUrl, {
        body: bytes,
        headers: { ...TUS, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      })
      check(patched.status === 415, `PATCH: status ${patched.status}, expected 415`)
    },
  },
]

/** Every case, in the order they run. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  healthCase('realtime'),
  healthCase('notifications'),
  healthCase('jobs'),
  healthCase('files'),
  healthCase('idme'),
  expectConnectError(
    'realtime: handshake without a token → connect_error "Authentication required"',
    () => undefined,
    REALTIME_CONNECT_ERRORS.authenticationRequired,
  ),
  expectConnectError(
    'realtime: handshake with a garbage token → connect_error "Invalid token"',
    () => 'not-a-jwt',
    REALTIME_CONNECT_ERRORS.invalidToken,
  ),
  expectConnectError(
    'realtime: handshake with a token signed by another secret → connect_error "Invalid token"',
    () =>
      // HS256 over {"userId":"mallory"} with the secret "wrong-secret".
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VySWQiOiJtYWxsb3J5Iiwic2Vzc2lvbklkIjoieCJ9.vXo-CHusTQEP1gUtaCwFA1BCOrEHb_2fnOJspKnVWVg',
    REALTIME_CONNECT_ERRORS.invalidToken,
  ),
  expectConnectError(
    'realtime: handshake with an expired token → connect_error "Invalid token"',
    (target) => {
      if (!target.sign) throw new CaseSkipped('needs --secret')
      return target.sign(
        { userId: 'conformance-user', sessionId: 'conformance-session', expiresIn: -60 },
        'realtime',
      )
    },
    REALTIME_CONNECT_ERRORS.invalidToken,
  ),
  {
    name: 'realtime: handshake with a valid token → connected { socketId, serverTime, protocolVersion: "1.0" }',
    plugin: 'realtime',
    async run(url, target) {
      const outcome = await handshake(url, { token: validToken(target) }, timeout(target))
      check(
        outcome.kind === 'connected',
        `rejected: ${outcome.kind === 'connect_error' ? outcome.message : ''}`,
      )
      const parsed = ConnectedSchema.safeParse(outcome.payload)
      check(
        parsed.success,
        `connected payload ${JSON.stringify(outcome.payload)} does not match ConnectedSchema`,
      )
      const connected: Connected = parsed.data
      check(
        connected.socketId === outcome.socketId,
        `socketId ${connected.socketId} is not the socket's id ${outcome.socketId}`,
      )
      check(
        !Number.isNaN(Date.parse(connected.serverTime)),
        `serverTime ${connected.serverTime} is not ISO-8601`,
      )
    },
  },
  ...REALTIME_CASES,
  ...NOTIFICATIONS_CASES,
  ...IDME_CASES,
  ...JOBS_CASES,
  ...FILES_CASES,
]

/** Runs one case against `target`; never throws. */
export async function runCase(testCase: ConformanceCase, target: ConformanceTarget): Promise<CaseResult> {
  const url = target.urls[testCase.plugin]
  const base = { name: testCase.name, plugin: testCase.plugin }
  if (url === undefined) return { ...base, status: 'skipped', ms: 0, reason: `no ${testCase.plugin} URL` }
  const started = performance.now()
  const ms = () => Math.round(performance.now() - started)
  try {
    await testCase.run(url, target)
    return { ...base, status: 'passed', ms: ms() }
  } catch (error) {
    if (error instanceof CaseSkipped) return { ...base, status: 'skipped', ms: ms(), reason: error.message }
    const reason =
      error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
        : String(error)
    return { ...base, status: 'failed', ms: ms(), reason }
  }
}

/** Runs the cases of every plugin with a URL in `target`, in order. */
export async function runConformance(
  target: ConformanceTarget,
  onResult: (result: CaseResult) => void = () => {},
): Promise<{ results: CaseResult[]; passed: number; failed: number }> {
  const results: CaseResult[] = []
  for (const testCase of CONFORMANCE_CASES) {
    if (target.urls[testCase.plugin] === undefined) continue
    const result = await runCase(testCase, target)
    results.push(result)
    onResult(result)
  }
  return {
    results,
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
  }
}

/** One line for a result, as the runner prints it. */
export function formatResult(result: CaseResult): string {
  if (result.status === 'passed') return `✓ ${result.name} (${result.ms} ms)`
  if (result.status === 'skipped') return `- ${result.name} (skipped: ${result.reason})`
  return `✗ ${result.name} — ${result.reason}`
}
