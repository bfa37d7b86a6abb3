import { createHmac, timingSafeEqual } from 'node:crypto'

/** How far a webhook's `timestamp` may be from now, in seconds (either way). */
export const WEBHOOK_TOLERANCE_SECONDS = 300

/** Why a webhook was refused. */
export type WebhookRejection = 'missing' | 'malformed' | 'mismatch'

/** The signature ID.me sends: hex HMAC-SHA256 of the raw body with the webhook secret. */
export function signWebhook(body: string | Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex')
}

/**
 * Checks `header` (hex, optionally prefixed `sha256=`) against the body's HMAC in constant
 * time. Returns `undefined` when it matches, else why not.
 */
export function checkWebhookSignature(
  body: Uint8Array,
  header: string | string[] | undefined,
  secret: string,
): WebhookRejection | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return 'missing'
  const hex = value.trim().replace(/^sha256=/i, '')
  if (!/^[0-9a-f]{64}$/i.test(hex)) return 'malformed'
  const expected = createHmac('sha256', secret).update(body).digest()
  return timingSafeEqual(expected, Buffer.from(hex, 'hex')) ? undefined : 'mismatch'
}

/** The event's time in ms, from ISO-8601 or epoch seconds; `NaN` when unreadable. */
export function webhookTime(timestamp: string | number): number {
  if (typeof timestamp === 'number') return timestamp * 1000
  return /^\d+$/.test(timestamp) ? Number(timestamp) * 1000 : Date.parse(timestamp)
}
