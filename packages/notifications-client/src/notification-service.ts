import {
  createStore,
  createTabCoordinator,
  type EventStream,
  type EventStreamState,
  getNselfConfig,
  HttpClient,
  type NselfConfig,
  openEventStream,
  type ReadableStore,
  type ServerSentEvent,
  type TabCoordinator,
} from '@nself/client-core'
import {
  InboxChangeEventSchema,
  InboxCountsEventSchema,
  type InboxCountsResponse,
  type InboxItem,
  type InboxPage,
  type Preference,
  type PushSubscriptionRecord,
  type RenderedTemplate,
  type SendNotificationResponse,
  type Template,
} from '@nself/contracts/notifications'
import type { InboxAction } from './inbox-logic'
import { createInboxStore, type InboxStore } from './inbox-store'
import {
  fromBase64Url,
  fromWire,
  type InboxCounts,
  type InboxEvent,
  type InboxFilter,
  type InboxNotification,
  type NotificationPreferences,
  type NotificationPreferencesUpdate,
  type NotificationTemplate,
  type PushSubscriptionInfo,
  preferencesFromWire,
  type SendNotificationInput,
  type SendNotificationResult,
  toWire,
} from './wire'

/** Options of {@link NotificationService}; anything unset comes from `NselfProvider` / `configureNself`. */
export interface NotificationServiceOptions extends NselfConfig {
  /** Base URL of the notifications plugin. Default: `NEXT_PUBLIC_NOTIFICATIONS_URL`, else `http://localhost:3102` outside production. */
  baseUrl?: string
  /** Share one event stream among all tabs of the browser (Web Locks + BroadcastChannel). Default `true`. */
  shareAcrossTabs?: boolean
}

/** A page of the inbox. */
export interface InboxPageResult {
  notifications: InboxNotification[]
  /** Pass as `cursor` for the next page; `null` on the last one. */
  nextCursor: string | null
}

/** Options of {@link NotificationService.listInbox}. */
export interface ListInboxOptions extends InboxFilter {
  /** Page size, 1–100 (default 20). */
  limit?: number
  /** `nextCursor` of the previous page. */
  cursor?: string
  signal?: AbortSignal
}

/** State of the live connection: `idle` while nobody listens. */
export type LiveState = EventStreamState | 'idle'

interface Relay {
  id: string | undefined
  event: InboxEvent
}

const EVENT_TYPES: Record<string, 'created' | 'updated' | 'counts'> = {
  'notification.created': 'created',
  'notification.updated': 'updated',
  counts: 'counts',
}

/**
 * The notifications SDK without React: sends (the seeds' `sendNotification`), the inbox of the
 * signed-in user, preferences, templates, web push registration, and live inbox events over
 * one server-sent-events connection shared by every tab. `new NotificationService()` takes its
 * configuration from `NselfProvider` or `NEXT_PUBLIC_NOTIFICATIONS_URL`.
 */
export class NotificationService {
  readonly #http: HttpClient
  readonly #options: NotificationServiceOptions
  readonly #listeners = new Set<(event: InboxEvent) => void>()
  readonly #state = createStore<LiveState>('idle')
  #generation = 0
  #lastEventId: string | undefined
  #stop: (() => void) | undefined

  constructor(options: NotificationServiceOptions = {}) {
    this.#options = options
    this.#http = new HttpClient({ ...options, plugin: 'notifications' })
  }

  /** The state of the live connection (`idle`, `connecting`, `open`, `reconnecting`, `closed`). */
  get liveState(): ReadableStore<LiveState> {
    return this.#state
  }

  #call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, extra: object = {}): Promise<T> {
    return this.#http.request<T>({ method, path, ...extra })
  }

  /** Sends a notification on `channels` to `userId`: the seeds' call. */
  async sendNotification(
    input: SendNotificationInput,
    options: { signal?: AbortSignal } = {},
  ): Promise<SendNotificationResult> {
    const res = await this.#call<SendNotificationResponse>('POST', '/v1/notifications/send', {
      body: input,
      idempotencyKey: input.idempotencyKey,
      ...options,
    })
    return { id: res.id, duplicate: res.duplicate, deliveries: res.deliveries.map((d) => fromWire(d)) }
  }

  /** One page of the signed-in user's inbox, newest first. */
  async listInbox(options: ListInboxOptions = {}): Promise<InboxPageResult> {
    const { signal, ...query } = options
    const page = await this.#call<InboxPage>('GET', '/v1/inbox', { query, signal })
    return { notifications: page.notifications.map((n) => fromWire(n)), nextCursor: page.next_cursor }
  }

  /** Unread, unseen and total counts (archived excluded); `filtered` for `type` when given. */
  async getCounts(
    options: { type?: string; signal?: AbortSignal } = {},
  ): Promise<InboxCounts & { filtered?: InboxCounts }> {
    const { signal, type } = options
    return this.#call<InboxCountsResponse>('GET', '/v1/inbox/counts', { query: { type }, signal })
  }

  /** Applies `action` to one notification on the server (no optimistic update; see {@link inbox}). */
  async act(id: string, action: InboxAction): Promise<InboxNotification> {
    return fromWire(await this.#call<InboxItem>('POST', `/v1/inbox/${encodeURIComponent(id)}/${action}`))
  }

  /** Marks one notification read. */
  markAsRead(id: string): Promise<InboxNotification> {
    return this.act(id, 'read')
  }

  /** Archives one notification. */
  archive(id: string): Promise<InboxNotification> {
    return this.act(id, 'archive')
  }

  /** Marks every unread notification (of `type`, when given) read. */
  markAllAsRead(options: { type?: string } = {}): Promise<{ updated: number; counts: InboxCounts }> {
    return this.#call('POST', '/v1/inbox/read-all', { body: options })
  }

  /** The preferences of the signed-in user (`userId` needs a service token). */
  async getPreferences(userId = 'me'): Promise<NotificationPreferences> {
    return preferencesFromWire(
      await this.#call<Preference>('GET', `/v1/preferences/${encodeURIComponent(userId)}`),
    )
  }

  /** Changes preferences; returns them as stored. */
  async updatePreferences(
    update: NotificationPreferencesUpdate,
    userId = 'me',
  ): Promise<NotificationPreferences> {
    return preferencesFromWire(
      await this.#call<Preference>('PUT', `/v1/preferences/${encodeURIComponent(userId)}`, {
        body: toWire(update),
      }),
    )
  }

  /** Every template. */
  async listTemplates(): Promise<NotificationTemplate[]> {
    return (await this.#call<{ templates: Template[] }>('GET', '/v1/templates')).templates.map((t) =>
      fromWire(t),
    )
  }

  /** Creates a template (service tokens); rejects with `CONFLICT` when the name exists. */
  async createTemplate(
    template: Pick<NotificationTemplate, 'name'> & Partial<NotificationTemplate>,
  ): Promise<NotificationTemplate> {
    return fromWire(await this.#call<Template>('POST', '/v1/templates', { body: toWire(template) }))
  }

  /** Renders a template with `data` (`html` escaped). */
  renderTemplate(name: string, data: Record<string, unknown> = {}): Promise<RenderedTemplate> {
    return this.#call('POST', `/v1/templates/${encodeURIComponent(name)}/render`, { body: { data } })
  }

  /** The VAPID public key to subscribe with. */
  async getVapidPublicKey(): Promise<string> {
    return (await this.#call<{ public_key: string }>('GET', '/v1/push/vapid-public-key')).public_key
  }

  /** Stores a browser push subscription (`PushSubscription.toJSON()`) for the signed-in user. */
  async registerPushSubscription(subscription: PushSubscriptionJSON): Promise<PushSubscriptionInfo> {
    return fromWire(
      await this.#call<PushSubscriptionRecord>('POST', '/v1/push/subscriptions', { body: subscription }),
    )
  }

  /** The signed-in user's push subscriptions. */
  async listPushSubscriptions(): Promise<PushSubscriptionInfo[]> {
    const res = await this.#call<{ subscriptions: PushSubscriptionRecord[] }>('GET', '/v1/push/subscriptions')
    return res.subscriptions.map((s) => fromWire(s))
  }

  /** Removes a push subscription. */
  async deletePushSubscription(id: string): Promise<void> {
    await this.#call('DELETE', `/v1/push/subscriptions/${encodeURIComponent(id)}`)
  }

  /**
   * An inbox store (React-free): the first page, counts, live events applied, optimistic
   * `markAsRead`/`archive` with rollback. It loads and listens only while subscribed.
   */
  inbox(filter: InboxFilter = {}, pageSize = 20): InboxStore {
    return createInboxStore(this, filter, pageSize)
  }

  /**
   * Receives every live inbox change. The first listener opens the stream (or joins the tab
   * that holds it); the last one to leave closes it.
   */
  subscribe(listener: (event: InboxEvent) => void): () => void {
    this.#listeners.add(listener)
    if (this.#listeners.size === 1) this.#start()
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) {
        this.#generation++
        this.#stop?.()
        this.#stop = undefined
        this.#state.setState('idle')
      }
    }
  }

  #emit(event: InboxEvent): void {
    for (const listener of [...this.#listeners]) listener(event)
  }

  #start(): void {
    const generation = ++this.#generation
    this.#state.setState('connecting')
    void this.#http.token().then(
      (token) => {
        if (generation !== this.#generation) return
        let stream: EventStream | undefined
        const coordinator: TabCoordinator<Relay> = createTabCoordinator<Relay>({
          name: `nself-notifications:${this.#http.baseUrl}:${tokenUser(token)}`,
          enabled: this.#options.shareAcrossTabs !== false,
        })
        const lead = () => {
          if (stream || !coordinator.getSnapshot().isLeader) return
          stream = openEventStream({
            url: () => this.#http.url('/v1/inbox/stream'),
            getToken: (request) => this.#http.token(request.forceRefresh, request.signal),
            fetch: this.#options.fetch ?? getNselfConfig().fetch,
            lastEventId: this.#lastEventId,
            onStateChange: (state) => this.#state.setState(state),
            onEvent: (raw) => {
              const event = parseEvent(raw)
              if (!event) return
              this.#lastEventId = raw.id
              coordinator.post({ id: raw.id, event })
              this.#emit(event)
            },
          })
        }
        const offLeader = coordinator.subscribe(lead)
        const offMessages = coordinator.onMessage((relay) => {
          this.#lastEventId = relay.id
          this.#state.setState('open')
          this.#emit(relay.event)
        })
        lead()
        this.#stop = () => {
          offLeader()
          offMessages()
          stream?.close()
          coordinator.close()
        }
      },
      () => this.#state.setState('closed'),
    )
  }
}

function parseEvent(raw: ServerSentEvent): InboxEvent | undefined {
  const type = EVENT_TYPES[raw.event]
  if (!type) return undefined
  let data: { notification?: InboxItem; counts: InboxCounts; resync?: boolean }
  try {
    data = JSON.parse(raw.data)
  } catch {
    return undefined
  }
  if (process.env.NODE_ENV !== 'production') {
    const schema = type === 'counts' ? InboxCountsEventSchema : InboxChangeEventSchema
    if (!schema.safeParse(data).success)
      console.warn(`@nself/notifications-client: malformed ${raw.event} event`, data)
  }
  return type === 'counts'
    ? { type, counts: data.counts, resync: data.resync === true }
    : { type, counts: data.counts, notification: fromWire(data.notification as InboxItem) }
}

/** The `userId` claim of a JWT (not verified: only to name the shared connection). */
function tokenUser(token: string | null): string {
  try {
    const part = (token ?? '').split('.')[1] ?? ''
    return String(JSON.parse(fromBase64Url(part)).userId ?? '')
  } catch {
    return ''
  }
}
