import webpush from 'web-push'

/** VAPID key pair, base64url. */
export interface VapidKeys {
  publicKey: string
  privateKey: string
}

/** A stored subscription's keys, as `PushSubscription.toJSON()` gives them. */
export interface PushTarget {
  endpoint: string
  keys: { p256dh: string; auth: string }
}

/** The outcome of one push. */
export type PushResult = { ok: true } | { ok: false; gone: boolean; error: string }

/**
 * Sends a web push: the payload encrypted (RFC 8291, aes128gcm) and the request signed with
 * VAPID (RFC 8292) by the `web-push` library, then POSTed with `fetch` (so local `http:` push
 * services work in tests as well as the browsers' `https:` ones).
 */
export async function sendWebPush(
  target: PushTarget,
  payload: string,
  vapid: VapidKeys & { subject: string },
  timeoutMs = 10_000,
): Promise<PushResult> {
  let details: ReturnType<typeof webpush.generateRequestDetails>
  try {
    details = webpush.generateRequestDetails(target, payload, {
      vapidDetails: vapid,
      TTL: 86_400,
      contentEncoding: 'aes128gcm',
    })
  } catch (error) {
    return { ok: false, gone: true, error: `invalid subscription: ${describe(error)}` }
  }
  try {
    const response = await fetch(details.endpoint, {
      method: details.method,
      headers: details.headers as Record<string, string>,
      body: details.body ? new Uint8Array(details.body) : null,
      signal: AbortSignal.timeout(timeoutMs),
    })
    await response.arrayBuffer().catch(() => undefined)
    if (response.ok) return { ok: true }
    return {
      ok: false,
      gone: response.status === 404 || response.status === 410,
      error: `push service answered ${response.status}`,
    }
  } catch (error) {
    return { ok: false, gone: false, error: `push service unreachable: ${describe(error)}` }
  }
}

/** The keys from `NOTIFICATIONS_VAPID_PUBLIC_KEY` / `_PRIVATE_KEY`, else a fresh pair. */
export function resolveVapidKeys(env: Record<string, string | undefined>): VapidKeys {
  const publicKey = env.NOTIFICATIONS_VAPID_PUBLIC_KEY
  const privateKey = env.NOTIFICATIONS_VAPID_PRIVATE_KEY
  if (publicKey && privateKey) return { publicKey, privateKey }
  return webpush.generateVAPIDKeys()
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
