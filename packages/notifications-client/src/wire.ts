// The one place where the wire's snake_case meets the SDK's camelCase.
import type {
  Delivery,
  Frequency,
  InboxCounts,
  InboxFilterStatus,
  InboxItem,
  Preference,
  PushSubscriptionRecord,
  SendChannel,
  Template,
  TypePreference,
} from '@nself/contracts/notifications'

type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S

/** `T` with its top-level keys in camelCase (`read_at` → `readAt`). */
export type CamelKeys<T> = { [K in keyof T as K extends string ? Camel<K> : K]: T[K] }

export type {
  DeliveryStatus,
  Frequency,
  InboxCounts,
  InboxFilterStatus,
  SendChannel,
} from '@nself/contracts/notifications'

/**
 * A notification in the inbox: `id`, `userId` (recipient), `type`, `title`, `body`, `data`,
 * `senderId`, and ISO timestamps `createdAt`, `readAt`, `seenAt`, `archivedAt` (`null` = not yet).
 * Render `title` and `body` as text, never as HTML.
 */
export type InboxNotification = CamelKeys<InboxItem>

/**
 * One channel's delivery: `status`, `errorCode` (`DELIVERY_ERROR_CODES`), `attempts`, `nextAttemptAt`,
 * and `digestId`: the digest delivery that will carry it when the user gets this channel hourly,
 * daily or weekly (`null` or absent when it is sent on its own).
 */
export type NotificationDelivery = CamelKeys<Delivery>

/** A template: `name`, `channel`, `subjectTemplate`, `bodyTemplate`, `htmlTemplate`. */
export type NotificationTemplate = CamelKeys<Template>

/** A stored push subscription: `id`, `userId`, `endpoint`, `createdAt`. */
export type PushSubscriptionInfo = CamelKeys<PushSubscriptionRecord>

/** Per type: which channels are on and how often they deliver. */
export type TypePreferences = TypePreference

/**
 * A user's preferences: `emailEnabled`, `pushEnabled`, `smsEnabled`, `inAppEnabled`, quiet hours
 * `quietStart`/`quietEnd` (`HH:MM`) in `timezone`, default `frequency`, and per-type `types`.
 */
export interface NotificationPreferences {
  userId: string
  emailEnabled: boolean
  pushEnabled: boolean
  smsEnabled: boolean
  inAppEnabled: boolean
  quietStart: string | null
  quietEnd: string | null
  /** IANA zone of the quiet hours. */
  timezone: string
  frequency: Frequency
  types: Record<string, TypePreferences>
  /** The Go plugin's free-form per-channel map. */
  channels: Record<string, unknown>
  updatedAt: string
}

/** A change to preferences: any subset; `types` entries merge per type (`null` removes one). */
export type NotificationPreferencesUpdate = Partial<
  Omit<NotificationPreferences, 'userId' | 'updatedAt' | 'types'> & {
    types: Record<string, TypePreferences | null>
  }
>

/** Which notifications a list or count covers. */
export interface InboxFilter {
  /** `all` (default: everything not archived), `unread`, `read` or `archived`. */
  status?: InboxFilterStatus
  /** Only this notification type. */
  type?: string
}

/** What `sendNotification` takes: the seeds' shape. */
export interface SendNotificationInput {
  /** The recipient. */
  userId: string
  /** e.g. `message`, `mention` (user tokens may send only the server's allow-listed types). */
  type: string
  title: string
  body: string
  channels: SendChannel[]
  /** Extra data for the app and the templates. */
  data?: Record<string, unknown>
  /** Same key within 24 h → the first result, nothing sent twice. Default: one key per call. */
  idempotencyKey?: string
}

/** What `sendNotification` returns. */
export interface SendNotificationResult {
  /** The notification (and inbox item) id. */
  id: string
  /** One per channel. */
  deliveries: NotificationDelivery[]
  /** `true` when the idempotency key had been used: nothing new was sent. */
  duplicate: boolean
}

/** A live change of the inbox, as the stream delivers it. */
export type InboxEvent =
  | { type: 'created' | 'updated'; notification: InboxNotification; counts: InboxCounts }
  | { type: 'counts'; counts: InboxCounts; resync: boolean }

/** snake_case → camelCase keys, one level deep (values such as `data` stay as they are). */
export function fromWire<T>(value: object): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())] = v
  return out as T
}

/** camelCase → snake_case keys, one level deep; `undefined` values are left out. */
export function toWire(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value))
    if (v !== undefined) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v
  return out
}

/** Text of base64url (`-`/`_`, padding optional), as `atob` gives it. */
export const fromBase64Url = (text: string): string => atob(text.replace(/-/g, '+').replace(/_/g, '/'))

/** The preferences of the wire, with the extension fields defaulted. */
export function preferencesFromWire(p: Preference): NotificationPreferences {
  return {
    ...fromWire<NotificationPreferences>(p),
    inAppEnabled: p.in_app_enabled ?? true,
    timezone: p.timezone ?? 'UTC',
    frequency: p.frequency ?? 'immediate',
    types: p.types ?? {},
  }
}
