import { randomUUID } from 'node:crypto'
import {
  type CapturedDelivery,
  type Delivery,
  type DeliveryErrorCode,
  type DeliveryStatus,
  defaultPreference,
  deliveryRetryDelayMs,
  type Frequency,
  HOURLY_LIMITS,
  INBOX_EVENTS,
  type InboxCounts,
  type InboxFilterStatus,
  type InboxItem,
  MAX_DELIVERY_ATTEMPTS,
  mergeTypePreferences,
  type Notification,
  type Preference,
  type PreferenceUpdate,
  type SendChannel,
  type SendNotificationRequest,
  type SendNotificationResponse,
  type Template,
} from '@nself/contracts/notifications'
import type { Clock } from '../../clock'
import type { Logger } from '../../http/logger'
import type { EmailTransport } from './email-transport'
import type { InboxStreams } from './inbox-streams'
import { digestDueAt, quietUntil } from './quiet-hours'
import { defaultEmailHtml, digestContent, renderTemplate } from './template-render'
import { type PushTarget, sendWebPush, type VapidKeys } from './web-push-sender'

/** A stored delivery: the Go plugin's `Notification` row plus what the engine needs. */
export interface DeliveryRow extends Notification {
  channel: SendChannel
  user_id: string | null
  notification_id: string | null
  error_code: DeliveryErrorCode | null
  attempts: number
  next_attempt_at: string | null
  /** What to send (resolved at send time). */
  content: { title: string; body: string; type: string | null; data: Record<string, unknown> }
  /** Exempt from hourly limits and quiet hours. */
  transactional: boolean
  digest_id: string | null
  digest_items: string[] | null
}

/** A stored push subscription. */
export interface PushSubscriptionRow extends PushTarget {
  id: string
  user_id: string
  created_at: string
}

/** What the engine is configured with. */
export interface EngineOptions {
  email: EmailTransport
  streams: InboxStreams
  vapid: VapidKeys & { subject: string }
  logger: Logger
  /** Multiplies every retry and hold delay (tests use a small one). */
  timeScale: number
  /** Domain of the addresses the stub gives users without one: `<userId>@<domain>`. */
  emailDomain: string
  /** Time and timers (a `FakeClock` in tests). */
  clock: Clock
}

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000
const IDEMPOTENCY_MAX = 10_000
const CAPTURED_MAX = 1_000

/**
 * The notifications plugin's state for one app (tenant), and its delivery engine: inbox,
 * deliveries with retries, holds for quiet hours and digests, hourly limits, preferences,
 * templates, push subscriptions, captured deliveries and idempotency keys. In memory.
 */
export class NotificationsState {
  readonly items = new Map<string, InboxItem>()
  readonly #inboxes = new Map<string, InboxItem[]>()
  readonly #order = new Map<string, number>()
  #itemSeq = 0
  readonly deliveries = new Map<string, DeliveryRow>()
  readonly preferences = new Map<string, Preference>()
  readonly templates = new Map<string, Template>()
  readonly pushSubscriptions = new Map<string, PushSubscriptionRow>()
  readonly captured: CapturedDelivery[] = []
  readonly #idempotency = new Map<string, { at: number; response: SendNotificationResponse }>()
  readonly #hourly = new Map<string, number[]>()
  readonly #timers = new Set<unknown>()
  readonly #soon = new Set<NodeJS.Immediate>()
  /** Digests still collecting, by user, channel, recipient and due time. */
  readonly #digests = new Map<string, DeliveryRow>()
  readonly #received = new Map<string, string>()
  readonly #app: string
  readonly #engine: EngineOptions

  constructor(app: string, engine: EngineOptions) {
    this.#app = app
    this.#engine = engine
  }

  #iso(at = this.#engine.clock.now()): string {
    return new Date(at).toISOString()
  }

  /** Stream key of a user of this app. */
  streamKey(userId: string): string {
    return `${this.#app}\u0000${userId}`
  }

  // ---------------------------------------------------------------- preferences

  preference(userId: string): Preference {
    return this.preferences.get(userId) ?? defaultPreference(userId, this.#iso())
  }

  updatePreference(userId: string, update: PreferenceUpdate): Preference {
    const current = this.preference(userId)
    const types = mergeTypePreferences(current.types, update.types)
    const { types: _ignored, ...rest } = update
    const next: Preference = {
      ...current,
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      types,
      updated_at: this.#iso(),
    }
    this.preferences.set(userId, next)
    return next
  }

  /** Whether `channel` is on for `type`, and how often it may deliver. */
  #channelSetting(pref: Preference, channel: SendChannel, type: string | null): Frequency {
    const global =
      channel === 'in_app'
        ? pref.in_app_enabled !== false
        : pref[`${channel}_enabled` as 'email_enabled' | 'push_enabled' | 'sms_enabled']
    const typePref = type ? pref.types?.[type] : undefined
    const enabled = typePref?.channels?.[channel] ?? global
    if (!enabled) return 'disabled'
    if (channel === 'in_app') return 'immediate'
    return typePref?.frequency ?? pref.frequency ?? 'immediate'
  }

  // ---------------------------------------------------------------- inbox

  inbox(userId: string): InboxItem[] {
    let list = this.#inboxes.get(userId)
    if (!list) {
      list = []
      this.#inboxes.set(userId, list)
    }
    return list
  }

  counts(userId: string, type?: string): InboxCounts {
    const counts = { unread: 0, unseen: 0, total: 0 }
    for (const item of this.#inboxes.get(userId) ?? []) {
      if (item.archived_at || (type !== undefined && item.type !== type)) continue
      counts.total++
      if (!item.read_at) counts.unread++
      if (!item.seen_at) counts.unseen++
    }
    return counts
  }

  /** Newest first, `limit` items after `cursor`. */
  list(
    userId: string,
    filter: { status: InboxFilterStatus; type?: string; limit: number; cursor?: string },
  ): { notifications: InboxItem[]; next_cursor: string | null } {
    const list = this.#inboxes.get(userId) ?? []
    const before = filter.cursor === undefined ? Number.POSITIVE_INFINITY : Number(filter.cursor)
    const page: InboxItem[] = []
    let more = false
    for (let i = list.length - 1; i >= 0; i--) {
      const item = list[i] as InboxItem
      if ((this.#order.get(item.id) ?? 0) >= before) continue
      if (filter.type !== undefined && item.type !== filter.type) continue
      const keep =
        filter.status === 'archived'
          ? item.archived_at !== null
          : item.archived_at === null &&
            (filter.status === 'all' || (filter.status === 'unread') === (item.read_at === null))
      if (!keep) continue
      if (page.length === filter.limit) {
        more = true
        break
      }
      page.push(item)
    }
    const last = page[page.length - 1]
    return {
      notifications: page,
      next_cursor: more && last ? String(this.#order.get(last.id)) : null,
    }
  }

  #addInboxItem(item: InboxItem): void {
    this.items.set(item.id, item)
    this.#order.set(item.id, ++this.#itemSeq)
    this.inbox(item.user_id).push(item)
    this.#engine.streams.publish(this.streamKey(item.user_id), INBOX_EVENTS.created, {
      notification: item,
      counts: this.counts(item.user_id),
    })
  }

  /** Applies an inbox action; returns the item (unchanged when it already was in that state). */
  applyAction(item: InboxItem, action: 'read' | 'unread' | 'seen' | 'archive' | 'unarchive'): InboxItem {
    const now = this.#iso()
    const next: InboxItem = { ...item }
    if (action === 'read') {
      next.read_at ??= now
      next.seen_at ??= now
    } else if (action === 'unread') next.read_at = null
    else if (action === 'seen') next.seen_at ??= now
    else if (action === 'archive') {
      next.archived_at ??= now
      next.seen_at ??= now
    } else next.archived_at = null
    if (
      next.read_at === item.read_at &&
      next.seen_at === item.seen_at &&
      next.archived_at === item.archived_at
    )
      return item
    this.#replace(next)
    this.#engine.streams.publish(this.streamKey(next.user_id), INBOX_EVENTS.updated, {
      notification: next,
      counts: this.counts(next.user_id),
    })
    return next
  }

  #replace(next: InboxItem): void {
    this.items.set(next.id, next)
    const list = this.inbox(next.user_id)
    const index = list.findIndex((i) => i.id === next.id)
    if (index !== -1) list[index] = next
  }

  /** Marks every unread (optionally of `type`) read; one `notification.updated` each, then `counts`. */
  readAll(userId: string, type?: string): number {
    let updated = 0
    for (const item of [...this.inbox(userId)]) {
      if (item.read_at || item.archived_at || (type !== undefined && item.type !== type)) continue
      this.applyAction(item, 'read')
      updated++
    }
    this.#engine.streams.publishCounts(this.streamKey(userId), this.counts(userId))
    return updated
  }

  // ---------------------------------------------------------------- sending

  /** A repeated idempotency key's first answer, if any. */
  idempotent(key: string): SendNotificationResponse | undefined {
    const hit = this.#idempotency.get(key)
    if (!hit) return undefined
    if (this.#engine.clock.now() - hit.at > IDEMPOTENCY_TTL_MS) {
      this.#idempotency.delete(key)
      return undefined
    }
    return { ...hit.response, duplicate: true }
  }

  /** Creates the notification: the inbox item at once, the other channels through the engine. */
  send(
    request: SendNotificationRequest,
    senderId: string,
    idempotencyKey: string | undefined,
  ): SendNotificationResponse {
    const id = randomUUID()
    const created = this.#iso()
    const channels = [...new Set(request.channels)]
    const pref = this.preference(request.userId)
    const content = {
      title: request.title,
      body: request.body,
      type: request.type,
      data: request.data ?? {},
    }
    const transactional = request.category === 'transactional'
    const rows: DeliveryRow[] = []
    for (const channel of channels) {
      const recipient =
        channel === 'email'
          ? (request.to?.email ?? this.#directoryEmail(request.userId))
          : channel === 'sms'
            ? (request.to?.phone ?? '')
            : request.userId
      const row = this.#createRow(channel, recipient, request.userId, id, content, transactional)
      rows.push(row)
      const frequency = this.#channelSetting(pref, channel, request.type)
      if (frequency === 'disabled') {
        this.#fail(row, 'PREFERENCE_DISABLED', `${channel} is turned off for ${request.type}`)
        continue
      }
      if (channel === 'in_app') {
        this.#addInboxItem({
          id,
          user_id: request.userId,
          type: request.type,
          title: request.title,
          body: request.body,
          data: request.data ?? {},
          sender_id: senderId,
          created_at: created,
          read_at: null,
          seen_at: null,
          archived_at: null,
        })
        this.#settle(row, 'delivered')
        continue
      }
      if (!recipient) {
        this.#fail(row, 'NO_RECIPIENT', `no ${channel} address for ${request.userId}`)
        continue
      }
      const digestDue = transactional ? null : this.#digestDue(pref, frequency)
      if (digestDue !== null) {
        this.#holdForDigest(row, digestDue)
        continue
      }
      const hold = transactional
        ? null
        : quietUntil(this.#engine.clock.now(), pref.quiet_start, pref.quiet_end, pref.timezone ?? 'UTC')
      if (hold !== null) {
        row.status = 'queued'
        row.next_attempt_at = this.#iso(hold)
        this.#schedule(row, hold - this.#engine.clock.now())
      } else {
        row.status = 'pending'
        this.#schedule(row, 0)
      }
    }
    const response: SendNotificationResponse = {
      id,
      deliveries: rows.map(publicDelivery),
      duplicate: false,
    }
    if (idempotencyKey !== undefined) {
      this.#idempotency.set(idempotencyKey, { at: this.#engine.clock.now(), response })
      if (this.#idempotency.size > IDEMPOTENCY_MAX) {
        const oldest = this.#idempotency.keys().next().value
        if (oldest !== undefined) this.#idempotency.delete(oldest)
      }
    }
    return response
  }

  /** The Go route: one channel, one recipient, one synchronous attempt. */
  async sendDirect(
    channel: 'email' | 'push' | 'sms',
    recipient: string,
    template: Template | undefined,
    data: Record<string, unknown>,
  ): Promise<DeliveryRow> {
    const title = renderTemplate(template?.subject_template, data) ?? String(data.title ?? data.subject ?? '')
    const body = renderTemplate(template?.body_template, data) ?? String(data.body ?? '')
    const row = this.#createRow(
      channel,
      recipient,
      channel === 'push' ? recipient : null,
      null,
      { title, body, type: null, data },
      false,
    )
    row.template = template?.name ?? null
    row.status = 'pending'
    await this.#attempt(row, false)
    return row
  }

  #directoryEmail(userId: string): string {
    return `${userId.replace(/[^A-Za-z0-9._-]/g, '_')}@${this.#engine.emailDomain}`
  }

  #createRow(
    channel: SendChannel,
    recipient: string,
    userId: string | null,
    notificationId: string | null,
    content: DeliveryRow['content'],
    transactional: boolean,
  ): DeliveryRow {
    const row: DeliveryRow = {
      id: randomUUID(),
      channel,
      recipient,
      template: null,
      data: content.data,
      status: 'pending',
      sent_at: null,
      error: null,
      created_at: this.#iso(),
      user_id: userId,
      notification_id: notificationId,
      error_code: null,
      attempts: 0,
      next_attempt_at: null,
      content,
      transactional,
      digest_id: null,
      digest_items: null,
    }
    this.deliveries.set(row.id, row)
    return row
  }

  #digestDue(pref: Preference, frequency: Frequency): number | null {
    const quiet = { start: pref.quiet_start, end: pref.quiet_end }
    return digestDueAt(this.#engine.clock.now(), frequency, quiet, pref.timezone ?? 'UTC')
  }

  /**
   * Adds `row` to the digest its user, channel and recipient have due at `due` (creating it,
   * and the timer that sends it, for the first one). The row waits `queued`, then mirrors it.
   */
  #holdForDigest(row: DeliveryRow, due: number): void {
    const key = [row.user_id, row.channel, row.recipient, due].join('\u0000')
    let digest = this.#digests.get(key)
    if (!digest) {
      const created = this.#createRow(
        row.channel,
        row.recipient,
        row.user_id,
        null,
        { title: '', body: '', type: null, data: {} },
        false,
      )
      created.digest_items = []
      created.status = 'queued'
      created.next_attempt_at = this.#iso(due)
      this.#digests.set(key, created)
      this.#later(due - this.#engine.clock.now(), () => {
        // Later notifications start the next digest.
        this.#digests.delete(key)
        void this.#attempt(created, true)
      })
      digest = created
    }
    digest.digest_items?.push(row.id)
    digest.data = { count: digest.digest_items?.length ?? 0 }
    row.digest_id = digest.id
    row.status = 'queued'
    row.next_attempt_at = digest.next_attempt_at
  }

  /** Copies a digest's state onto every delivery it carries. */
  #mirror(digest: DeliveryRow): void {
    for (const id of digest.digest_items ?? []) {
      const row = this.deliveries.get(id)
      if (!row) continue
      row.status = digest.status
      row.sent_at = digest.sent_at
      row.error = digest.error
      row.error_code = digest.error_code
      row.attempts = digest.attempts
      row.next_attempt_at = digest.next_attempt_at
    }
  }

  #schedule(row: DeliveryRow, delayMs: number): void {
    this.#later(delayMs, () => void this.#attempt(row, true))
  }

  /** Runs `fn` after `delayMs` on the engine's clock (delays scaled by `timeScale`). */
  #later(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) {
      // Due now: right after the current request, also when a fake clock stands still.
      const soon = setImmediate(() => {
        this.#soon.delete(soon)
        fn()
      })
      this.#soon.add(soon)
      return
    }
    const clock = this.#engine.clock
    const timer = clock.setTimeout(() => {
      this.#timers.delete(timer)
      fn()
    }, delayMs * this.#engine.timeScale)
    this.#timers.add(timer)
  }

  /** One delivery attempt; schedules the retry (`min(1000·2^n, 300000)` ms) when allowed. */
  async #attempt(row: DeliveryRow, retry: boolean): Promise<void> {
    if (row.attempts === 0 && !row.transactional && row.user_id && row.channel !== 'in_app') {
      if (!this.#takeHourly(row.user_id, row.channel)) {
        this.#fail(row, 'RATE_LIMITED', `hourly ${row.channel} limit reached for ${row.user_id}`)
        return
      }
    }
    row.attempts++
    row.next_attempt_at = null
    row.status = 'pending'
    this.#mirror(row)
    let outcome: DispatchOutcome
    try {
      outcome = await this.#dispatch(row)
    } catch (error) {
      outcome = { ok: false, code: 'UPSTREAM_ERROR', error: describe(error), final: false }
    }
    if (outcome.ok) {
      this.#settle(row, 'sent')
      return
    }
    if (!outcome.final && retry && row.attempts < MAX_DELIVERY_ATTEMPTS) {
      const delay = deliveryRetryDelayMs(row.attempts - 1)
      row.error = outcome.error
      row.next_attempt_at = this.#iso(this.#engine.clock.now() + delay * this.#engine.timeScale)
      this.#mirror(row)
      this.#schedule(row, delay)
      return
    }
    this.#fail(row, outcome.code, outcome.error)
  }

  async #dispatch(row: DeliveryRow): Promise<DispatchOutcome> {
    if (row.digest_items) return this.#dispatchDigest(row)
    const { title, body, type, data } = row.content
    if (row.channel === 'email') {
      const template = type ? this.#templateFor(type, 'email') : undefined
      const vars = { ...data, title, body }
      if (template) row.template = template.name
      const subject = renderTemplate(template?.subject_template, vars) ?? title
      const text = renderTemplate(template?.body_template, vars) ?? body
      const html = renderTemplate(template?.html_template, vars, true) ?? defaultEmailHtml(subject, text)
      return this.#sendEmail(row, { subject, text, html })
    }
    if (row.channel === 'sms') {
      this.#capture(row, { subject: null, text: `${title}: ${body}`, html: null, raw: null })
      return { ok: true }
    }
    return this.#dispatchPush(row, { id: row.notification_id ?? row.id, type, title, body, data })
  }

  /** Mails `row` and captures what was sent. */
  async #sendEmail(row: DeliveryRow, mail: { subject: string; text: string; html: string }) {
    await this.#engine.email.send({ to: row.recipient, ...mail, deliveryId: row.id })
    // The capturing SMTP server has handed over the raw message before it accepted it.
    const raw = this.#received.get(row.id) ?? null
    this.#received.delete(row.id)
    this.#capture(row, { ...mail, raw })
    return { ok: true } as const
  }

  /** One message listing every delivery the digest carries. */
  async #dispatchDigest(row: DeliveryRow): Promise<DispatchOutcome> {
    const items = (row.digest_items ?? []).flatMap((id) => {
      const item = this.deliveries.get(id)
      return item ? [item] : []
    })
    const digest = digestContent(items.map((i) => ({ title: i.content.title, body: i.content.body })))
    const data = { count: items.length, notification_ids: items.map((i) => i.notification_id) }
    row.content = { title: digest.subject, body: digest.text, type: null, data }
    row.data = data
    if (row.channel === 'email') {
      const { subject, text, html } = digest
      return this.#sendEmail(row, { subject, text, html })
    }
    if (row.channel === 'sms') {
      this.#capture(row, { subject: null, text: digest.short, html: null, raw: null })
      return { ok: true }
    }
    const payload = { id: row.id, type: 'digest', title: digest.subject, body: digest.short, data }
    return this.#dispatchPush(row, payload)
  }

  /** Sends `payload` to each of the user's push subscriptions; gone ones are removed. */
  async #dispatchPush(
    row: DeliveryRow,
    message: { id: string; type: string | null; title: string; body: string; data: Record<string, unknown> },
  ): Promise<DispatchOutcome> {
    const subs = [...this.pushSubscriptions.values()].filter((s) => s.user_id === row.recipient)
    if (subs.length === 0)
      return { ok: false, code: 'NO_RECIPIENT', error: 'no push subscription', final: true }
    const payload = JSON.stringify(message)
    let delivered = 0
    let gone = 0
    let lastError = ''
    for (const sub of subs) {
      const result = await sendWebPush(sub, payload, this.#engine.vapid)
      if (result.ok) delivered++
      else {
        lastError = result.error
        if (result.gone) {
          gone++
          this.pushSubscriptions.delete(sub.id)
        }
      }
    }
    if (delivered > 0) {
      this.#capture(row, { subject: message.title, text: message.body, html: null, raw: payload })
      return { ok: true }
    }
    if (gone === subs.length) return { ok: false, code: 'SUBSCRIPTION_GONE', error: lastError, final: true }
    return { ok: false, code: 'UPSTREAM_ERROR', error: lastError, final: false }
  }

  #templateFor(name: string, channel: string): Template | undefined {
    const template = this.templates.get(name)
    return template && template.channel === channel ? template : undefined
  }

  #takeHourly(userId: string, channel: SendChannel): boolean {
    const limit = HOURLY_LIMITS[channel as keyof typeof HOURLY_LIMITS]
    if (limit === undefined) return true
    const key = `${userId}\u0000${channel}`
    const now = this.#engine.clock.now()
    const recent = (this.#hourly.get(key) ?? []).filter((t) => now - t < 3_600_000)
    if (recent.length >= limit) {
      this.#hourly.set(key, recent)
      return false
    }
    recent.push(now)
    this.#hourly.set(key, recent)
    return true
  }

  #settle(row: DeliveryRow, status: DeliveryStatus): void {
    row.status = status
    row.sent_at = this.#iso()
    row.error = null
    row.error_code = null
    this.#mirror(row)
  }

  #fail(row: DeliveryRow, code: DeliveryErrorCode, error: string): void {
    row.status = 'failed'
    row.error_code = code
    row.error = error
    row.next_attempt_at = null
    this.#mirror(row)
    if (code !== 'UPSTREAM_ERROR')
      this.#engine.logger.info({ msg: 'delivery not sent', plugin: 'notifications', id: row.id, code })
    else this.#engine.logger.warn({ msg: 'delivery failed', plugin: 'notifications', id: row.id, error })
  }

  #capture(row: DeliveryRow, content: Pick<CapturedDelivery, 'subject' | 'text' | 'html' | 'raw'>): void {
    this.captured.push({
      id: randomUUID(),
      channel: row.channel as 'email' | 'sms' | 'push',
      user_id: row.user_id,
      to: row.recipient,
      delivery_id: row.id,
      captured_at: this.#iso(),
      ...content,
    })
    if (this.captured.length > CAPTURED_MAX) this.captured.splice(0, this.captured.length - CAPTURED_MAX)
  }

  /** Keeps the raw message the capturing SMTP server received for delivery `deliveryId`. */
  receivedEmail(deliveryId: string, raw: string): void {
    this.#received.set(deliveryId, raw)
  }

  /** Stops every pending timer. */
  close(): void {
    for (const timer of this.#timers) this.#engine.clock.clearTimeout(timer)
    this.#timers.clear()
    for (const soon of this.#soon) clearImmediate(soon)
    this.#soon.clear()
  }
}

/** The public delivery record of a row. */
export function publicDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    channel: row.channel,
    status: row.status,
    error_code: row.error_code,
    error: row.error,
    attempts: row.attempts,
    next_attempt_at: row.next_attempt_at,
    digest_id: row.digest_id,
  }
}

/** The Go `Notification` shape of a row (internal fields left out). */
export function publicNotification(row: DeliveryRow): Notification {
  const { content: _content, transactional: _transactional, ...rest } = row
  return rest
}

type DispatchOutcome = { ok: true } | { ok: false; code: DeliveryErrorCode; error: string; final: boolean }

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
