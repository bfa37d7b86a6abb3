// Plain data, no zod (see constants.ts): the notifications client imports these in production.

/** Channels of the Go plugin's `POST /v1/notifications` (one channel per call). */
export const WIRE_CHANNELS = ['email', 'push', 'sms'] as const
/** A channel of the Go plugin. */
export type WireChannel = (typeof WIRE_CHANNELS)[number]

/** Channels of a multi-channel send (extension: `in_app` is the inbox). */
export const SEND_CHANNELS = ['in_app', 'push', 'email', 'sms'] as const
/** A channel of `POST /v1/notifications/send`. */
export type SendChannel = (typeof SEND_CHANNELS)[number]

/** Delivery states, as the older TypeScript plugin names them (the Go plugin uses `pending|sent|failed`). */
export const DELIVERY_STATUSES = ['pending', 'queued', 'sent', 'delivered', 'failed', 'bounced'] as const
/** State of one delivery. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

/**
 * Why a delivery failed or was held back (extension). Delivery outcomes, not API errors: an API
 * call that fails answers with one of `ERROR_CODES` instead.
 */
export const DELIVERY_ERROR_CODES = [
  /** The SMTP server, push service or SMS gateway refused or was unreachable after every retry. */
  'UPSTREAM_ERROR',
  /** The user's hourly limit for the channel was reached (email 100, push 200, SMS 20). */
  'RATE_LIMITED',
  /** The user turned the channel (or the type on it) off. */
  'PREFERENCE_DISABLED',
  /** No address: no email or phone known, no push subscription. */
  'NO_RECIPIENT',
  /** The push service said the subscription is gone (404/410); it was removed. */
  'SUBSCRIPTION_GONE',
] as const
/** See {@link DELIVERY_ERROR_CODES}. */
export type DeliveryErrorCode = (typeof DELIVERY_ERROR_CODES)[number]

/** Preference frequency, as the older TypeScript plugin names it. */
export const FREQUENCIES = ['immediate', 'hourly', 'daily', 'weekly', 'disabled'] as const
/** How often a channel may deliver. */
export type Frequency = (typeof FREQUENCIES)[number]

/** Notification categories of the older TypeScript plugin; `transactional` is exempt from hourly limits. */
export const CATEGORIES = ['transactional', 'marketing', 'system', 'alert'] as const
/** A notification category. */
export type Category = (typeof CATEGORIES)[number]

/** Inbox list filters (extension). `all` is every notification not archived. */
export const INBOX_FILTERS = ['all', 'unread', 'read', 'archived'] as const
/** Which notifications an inbox list or count covers. */
export type InboxFilterStatus = (typeof INBOX_FILTERS)[number]

/** Per-notification inbox actions: `POST /v1/inbox/{id}/{action}` (extension). */
export const INBOX_ACTIONS = ['read', 'unread', 'seen', 'archive', 'unarchive'] as const
/** One inbox action. */
export type InboxAction = (typeof INBOX_ACTIONS)[number]

/** Event names of `GET /v1/inbox/stream` (extension). */
export const INBOX_EVENTS = {
  created: 'notification.created',
  updated: 'notification.updated',
  counts: 'counts',
} as const

/** Types a user token may send by default (the seeds' `message` and `mention`). */
export const DEFAULT_CLIENT_TYPES = ['message', 'mention'] as const

/** Per-user per-hour delivery limits of the older TypeScript plugin (transactional exempt). */
export const HOURLY_LIMITS = { email: 100, push: 200, sms: 20 } as const

/** Delivery attempts before a delivery is `failed`. */
export const MAX_DELIVERY_ATTEMPTS = 3

/** Delay before retry `n` (0-based), in ms: `min(1000·2^n, 300000)`, as the plugin retries. */
export function deliveryRetryDelayMs(n: number): number {
  return Math.min(1000 * 2 ** n, 300_000)
}

/** Largest page of `GET /v1/inbox`. */
export const INBOX_MAX_LIMIT = 100
