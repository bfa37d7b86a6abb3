/**
 * The Go notifications plugin's own routes, exactly as `reference/WIRE.md` gives them
 * (snake_case). Fields we add are marked `extension`.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from '../common'
import { DELIVERY_STATUSES, FREQUENCIES, SEND_CHANNELS, WIRE_CHANNELS } from './notifications-constants'

/** A user id (the token's `userId`). */
export const NotificationUserIdSchema = z.string().check(z.minLength(1), z.maxLength(200))

/** `email | push | sms`. */
export const WireChannelSchema = z.enum(WIRE_CHANNELS)
/** `in_app | push | email | sms` (extension: `in_app`). */
export const SendChannelSchema = z.enum(SEND_CHANNELS)
/** `pending | queued | sent | delivered | failed | bounced`. */
export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES)
/** `immediate | hourly | daily | weekly | disabled`. */
export const FrequencySchema = z.enum(FREQUENCIES)

/** Free-form template variables / metadata. */
export const NotificationDataSchema = z.record(z.string(), z.unknown())

/** `POST /v1/notifications`: one channel, one recipient, synchronous. */
export const CreateNotificationRequestSchema = z.object({
  channel: WireChannelSchema,
  /** Email address, phone number, or (push) the user id whose subscriptions receive it. */
  recipient: z.string().check(z.minLength(1), z.maxLength(320)),
  /** Name of a template of the same channel. */
  template: z.optional(z.string().check(z.maxLength(200))),
  /** Template variables. */
  data: z.optional(NotificationDataSchema),
})
export type CreateNotificationRequest = z.infer<typeof CreateNotificationRequestSchema>

/** `POST /v1/notifications` → 200 (sent) or 502 (failed), both in this shape. */
export const CreateNotificationResponseSchema = z.object({
  id: z.string(),
  channel: WireChannelSchema,
  success: z.boolean(),
  error: z.nullable(z.string()),
})
export type CreateNotificationResponse = z.infer<typeof CreateNotificationResponseSchema>

/** A stored notification (one delivery on one channel), the Go plugin's `Notification`. */
export const NotificationSchema = z.object({
  id: z.string(),
  channel: z.string(),
  recipient: z.string(),
  template: z.nullable(z.string()),
  data: z.nullable(NotificationDataSchema),
  status: DeliveryStatusSchema,
  sent_at: z.nullable(IsoDateTime),
  error: z.nullable(z.string()),
  created_at: IsoDateTime,
  /** extension: the user it was sent to, when known. */
  user_id: z.optional(z.nullable(z.string())),
  /** extension: the multi-channel notification it belongs to (`POST /v1/notifications/send`). */
  notification_id: z.optional(z.nullable(z.string())),
  /** extension: why it failed (`DELIVERY_ERROR_CODES`). */
  error_code: z.optional(z.nullable(z.string())),
  /** extension: attempts made so far. */
  attempts: z.optional(z.number()),
  /** extension: when the next attempt is due (retries, quiet hours, digests). */
  next_attempt_at: z.optional(z.nullable(IsoDateTime)),
  /**
   * extension: the digest delivery that carries this one (frequency `hourly`, `daily` or
   * `weekly`): held until the digest goes out, then its `status`, `sent_at`, `attempts` and
   * `error` are the digest's. `null` for a delivery sent on its own.
   */
  digest_id: z.optional(z.nullable(z.string())),
  /** extension: on a digest delivery, the ids of the deliveries it lists (oldest first); else `null`. */
  digest_items: z.optional(z.nullable(z.array(z.string()))),
})
export type Notification = z.infer<typeof NotificationSchema>

/** `GET /v1/notifications` query (`limit` ≤ 200, default 50). */
export const ListNotificationsQuerySchema = z.object({
  channel: z.optional(WireChannelSchema),
  status: z.optional(DeliveryStatusSchema),
  recipient: z.optional(z.string()),
  limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(200))),
  offset: z.optional(z.number().check(z.int(), z.minimum(0))),
})
export type ListNotificationsQuery = z.infer<typeof ListNotificationsQuerySchema>

/** `GET /v1/notifications` response. */
export const ListNotificationsResponseSchema = z.object({
  notifications: z.array(NotificationSchema),
  limit: z.number(),
  offset: z.number(),
})
export type ListNotificationsResponse = z.infer<typeof ListNotificationsResponseSchema>

/** `HH:MM` (24 h). */
export const ClockTimeSchema = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/))

/** extension: one type's settings: channel on/off and frequency. */
export const TypePreferenceSchema = z.object({
  channels: z.optional(z.partialRecord(SendChannelSchema, z.boolean())),
  frequency: z.optional(FrequencySchema),
})
export type TypePreference = z.infer<typeof TypePreferenceSchema>

/** `GET /v1/preferences/{user_id}`: the Go plugin's `Preference` plus our extensions. */
export const PreferenceSchema = z.object({
  user_id: z.string(),
  email_enabled: z.boolean(),
  push_enabled: z.boolean(),
  sms_enabled: z.boolean(),
  quiet_start: z.nullable(z.string()),
  quiet_end: z.nullable(z.string()),
  channels: z.record(z.string(), z.unknown()),
  updated_at: IsoDateTime,
  /** extension: the inbox channel on/off (default true). */
  in_app_enabled: z.optional(z.boolean()),
  /** extension: IANA time zone of `quiet_start`/`quiet_end` (default `UTC`). */
  timezone: z.optional(z.string()),
  /** extension: default frequency of email, push and SMS (default `immediate`). */
  frequency: z.optional(FrequencySchema),
  /** extension: per notification type × channel settings. */
  types: z.optional(z.record(z.string(), TypePreferenceSchema)),
})
export type Preference = z.infer<typeof PreferenceSchema>

/** `PUT /v1/preferences/{user_id}`: any subset; `null` clears quiet hours. */
export const PreferenceUpdateSchema = z.object({
  email_enabled: z.optional(z.boolean()),
  push_enabled: z.optional(z.boolean()),
  sms_enabled: z.optional(z.boolean()),
  quiet_start: z.optional(z.nullable(ClockTimeSchema)),
  quiet_end: z.optional(z.nullable(ClockTimeSchema)),
  channels: z.optional(z.record(z.string(), z.unknown())),
  /** extension */
  in_app_enabled: z.optional(z.boolean()),
  /** extension: an IANA zone such as `Europe/Paris`. */
  timezone: z.optional(
    z.string().check(
      z.refine((zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone })
          return true
        } catch {
          return false
        }
      }, 'not an IANA time zone'),
    ),
  ),
  /** extension */
  frequency: z.optional(FrequencySchema),
  /** extension: merged per type (a type set to `null` is removed). */
  types: z.optional(z.record(z.string(), z.nullable(TypePreferenceSchema))),
})
export type PreferenceUpdate = z.infer<typeof PreferenceUpdateSchema>

/** A template; `{{name}}` and `{{a.b}}` are replaced by data (HTML-escaped in `html_template`). */
export const TemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.string(),
  subject_template: z.nullable(z.string()),
  body_template: z.nullable(z.string()),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
  /** extension: the HTML body of an email; variables are HTML-escaped. */
  html_template: z.optional(z.nullable(z.string())),
})
export type Template = z.infer<typeof TemplateSchema>

/** `POST /v1/templates` → 201 `Template`, 409 when the name exists. */
export const CreateTemplateRequestSchema = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  channel: WireChannelSchema,
  subject_template: z.optional(z.string().check(z.maxLength(1000))),
  body_template: z.optional(z.string().check(z.maxLength(100_000))),
  /** extension */
  html_template: z.optional(z.string().check(z.maxLength(200_000))),
})
export type CreateTemplateRequest = z.infer<typeof CreateTemplateRequestSchema>

/** `GET /v1/templates`. */
export const ListTemplatesResponseSchema = z.object({ templates: z.array(TemplateSchema) })
export type ListTemplatesResponse = z.infer<typeof ListTemplatesResponseSchema>
