/**
 * extension: everything the Go plugin lacks — the multi-channel send in the seeds' shape, the
 * in-app inbox of the authenticated user and its server-sent-events stream, web push
 * subscriptions, template rendering and the captured deliveries of the development endpoint.
 * Wire names are snake_case like the Go API's, except the send body, which is the seeds' shape.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from '../common'
import {
  DeliveryStatusSchema,
  NotificationDataSchema,
  NotificationUserIdSchema,
  SendChannelSchema,
} from './go-api'
import { CATEGORIES, DELIVERY_ERROR_CODES, INBOX_ACTIONS, INBOX_FILTERS } from './notifications-constants'

/** A notification type, e.g. `message`, `mention`. */
export const NotificationTypeSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(100), z.regex(/^[\w.:-]+$/))

/** extension: `POST /v1/notifications/send`, the seeds' `sendNotification` shape. */
export const SendNotificationRequestSchema = z.object({
  /** Recipient. */
  userId: NotificationUserIdSchema,
  /** Must be on the allow-list for user tokens (default `message`, `mention`). */
  type: NotificationTypeSchema,
  title: z.string().check(z.minLength(1), z.maxLength(500)),
  body: z.string().check(z.maxLength(10_000)),
  channels: z.array(SendChannelSchema).check(z.minLength(1), z.maxLength(4)),
  /** Extra data: shown to the app (e.g. a link), available to templates. */
  data: z.optional(NotificationDataSchema),
  /** Same key (per sender) within 24 h → the first result, no second notification. */
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  /** Service tokens only; `transactional` is exempt from hourly limits and quiet hours. */
  category: z.optional(z.enum(CATEGORIES)),
  /** Service tokens only: addresses (default: the user's address in the stub's directory). */
  to: z.optional(z.object({ email: z.optional(z.string().check(z.email())), phone: z.optional(z.string()) })),
})
export type SendNotificationRequest = z.infer<typeof SendNotificationRequestSchema>

/** One channel's delivery of a sent notification. */
export const DeliverySchema = z.object({
  /** Id of the delivery row (`GET /v1/notifications/{id}`). */
  id: z.string(),
  channel: SendChannelSchema,
  status: DeliveryStatusSchema,
  /** Why it failed or is held (`DELIVERY_ERROR_CODES`), else `null`. */
  error_code: z.nullable(z.enum(DELIVERY_ERROR_CODES)),
  error: z.nullable(z.string()),
  attempts: z.number(),
  /** When a held (quiet hours, digest) or retried delivery is due. */
  next_attempt_at: z.nullable(IsoDateTime),
  /**
   * extension: the digest delivery (`GET /v1/notifications/{id}`) that will carry this one when
   * the user's frequency for the channel is `hourly`, `daily` or `weekly`; else `null`.
   */
  digest_id: z.optional(z.nullable(z.string())),
})
export type Delivery = z.infer<typeof DeliverySchema>

/** Response of `POST /v1/notifications/send` (201; 200 when an idempotency key repeated). */
export const SendNotificationResponseSchema = z.object({
  id: z.string(),
  deliveries: z.array(DeliverySchema),
  /** `true` when the idempotency key was seen before and nothing new was sent. */
  duplicate: z.boolean(),
})
export type SendNotificationResponse = z.infer<typeof SendNotificationResponseSchema>

/** One notification in a user's inbox. */
export const InboxItemSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  type: z.string(),
  title: z.string(),
  body: z.string(),
  data: NotificationDataSchema,
  /** Who sent it (the sender token's user). */
  sender_id: z.nullable(z.string()),
  created_at: IsoDateTime,
  read_at: z.nullable(IsoDateTime),
  seen_at: z.nullable(IsoDateTime),
  archived_at: z.nullable(IsoDateTime),
})
export type InboxItem = z.infer<typeof InboxItemSchema>

/** `GET /v1/inbox` query. Newest first. */
export const InboxQuerySchema = z.object({
  /** `all` (default: not archived), `unread`, `read`, `archived`. */
  status: z.optional(z.enum(INBOX_FILTERS)),
  /** Only this type. */
  type: z.optional(NotificationTypeSchema),
  /** Page size, 1–100 (default 20). */
  limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100))),
  /** `next_cursor` of the previous page. */
  cursor: z.optional(z.string().check(z.maxLength(200))),
  /** Service tokens only: whose inbox. */
  user_id: z.optional(NotificationUserIdSchema),
})
export type InboxQuery = z.infer<typeof InboxQuerySchema>

/** `GET /v1/inbox` response. */
export const InboxPageSchema = z.object({
  notifications: z.array(InboxItemSchema),
  /** Pass as `cursor` for the next page; `null` on the last page. */
  next_cursor: z.nullable(z.string()),
})
export type InboxPage = z.infer<typeof InboxPageSchema>

/** Counts of the inbox (archived notifications excluded). */
export const InboxCountsSchema = z.object({
  unread: z.number(),
  unseen: z.number(),
  total: z.number(),
})
export type InboxCounts = z.infer<typeof InboxCountsSchema>

/** `GET /v1/inbox/counts[?type=]`: the whole inbox, plus the counts for `type` when asked. */
export const InboxCountsResponseSchema = z.object({
  unread: z.number(),
  unseen: z.number(),
  total: z.number(),
  /** Counts of the notifications of the `type` query parameter, when given. */
  filtered: z.optional(InboxCountsSchema),
})
export type InboxCountsResponse = z.infer<typeof InboxCountsResponseSchema>

/** `POST /v1/inbox/{id}/{action}` path action. */
export const InboxActionSchema = z.enum(INBOX_ACTIONS)

/** `POST /v1/inbox/{id}/{action}` → the updated item. */
export const InboxActionResponseSchema = InboxItemSchema

/** `POST /v1/inbox/read-all` body (optional): only this type. */
export const ReadAllRequestSchema = z.object({ type: z.optional(NotificationTypeSchema) })
export type ReadAllRequest = z.infer<typeof ReadAllRequestSchema>

/** `POST /v1/inbox/read-all` response: how many became read, and the counts after. */
export const ReadAllResponseSchema = z.object({ updated: z.number(), counts: InboxCountsSchema })
export type ReadAllResponse = z.infer<typeof ReadAllResponseSchema>

/**
 * `GET /v1/inbox/stream` (`text/event-stream`): every event has an `id:`; reconnect with
 * `Last-Event-ID` to receive what was missed. Heartbeats are SSE comments.
 * `notification.created` / `notification.updated`: `{ notification, counts }`.
 */
export const InboxChangeEventSchema = z.object({ notification: InboxItemSchema, counts: InboxCountsSchema })
export type InboxChangeEvent = z.infer<typeof InboxChangeEventSchema>

/**
 * `counts`: sent first on every connection and after bulk changes. `resync: true` when the
 * server no longer has every event after `Last-Event-ID`: refetch the list.
 */
export const InboxCountsEventSchema = z.object({ counts: InboxCountsSchema, resync: z.optional(z.boolean()) })
export type InboxCountsEvent = z.infer<typeof InboxCountsEventSchema>

/** `GET /v1/push/vapid-public-key`: the VAPID key (base64url) for `pushManager.subscribe`. */
export const VapidPublicKeyResponseSchema = z.object({ public_key: z.string() })
export type VapidPublicKeyResponse = z.infer<typeof VapidPublicKeyResponseSchema>

/** `POST /v1/push/subscriptions`: `PushSubscription.toJSON()` as the browser gives it. */
export const PushSubscriptionRequestSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }),
  expirationTime: z.optional(z.nullable(z.number())),
  keys: z.object({
    p256dh: z.string().check(z.minLength(1), z.maxLength(200)),
    auth: z.string().check(z.minLength(1), z.maxLength(100)),
  }),
})
export type PushSubscriptionRequest = z.infer<typeof PushSubscriptionRequestSchema>

/** A stored push subscription (201 on create; the same one when the endpoint is known). */
export const PushSubscriptionSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  endpoint: z.string(),
  created_at: IsoDateTime,
})
export type PushSubscriptionRecord = z.infer<typeof PushSubscriptionSchema>

/** `GET /v1/push/subscriptions`: the caller's subscriptions. */
export const PushSubscriptionListSchema = z.object({ subscriptions: z.array(PushSubscriptionSchema) })
export type PushSubscriptionList = z.infer<typeof PushSubscriptionListSchema>

/** `POST /v1/templates/{name}/render` body: the variables. */
export const RenderTemplateRequestSchema = z.object({ data: z.optional(NotificationDataSchema) })
export type RenderTemplateRequest = z.infer<typeof RenderTemplateRequestSchema>

/** `POST /v1/templates/{name}/render` → the rendered parts (`html` escaped). */
export const RenderedTemplateSchema = z.object({
  subject: z.nullable(z.string()),
  body: z.nullable(z.string()),
  html: z.nullable(z.string()),
})
export type RenderedTemplate = z.infer<typeof RenderedTemplateSchema>

/** One delivery the stub captured (email as received by SMTP, SMS, push as sent). */
export const CapturedDeliverySchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms', 'push']),
  user_id: z.nullable(z.string()),
  to: z.string(),
  subject: z.nullable(z.string()),
  text: z.nullable(z.string()),
  html: z.nullable(z.string()),
  /** The raw message as the SMTP server received it (email only). */
  raw: z.nullable(z.string()),
  /** Delivery row id. */
  delivery_id: z.nullable(z.string()),
  captured_at: IsoDateTime,
})
export type CapturedDelivery = z.infer<typeof CapturedDeliverySchema>

/** `GET /v1/dev/deliveries[?channel&user_id]`. */
export const CapturedDeliveriesSchema = z.object({ deliveries: z.array(CapturedDeliverySchema) })
export type CapturedDeliveries = z.infer<typeof CapturedDeliveriesSchema>
