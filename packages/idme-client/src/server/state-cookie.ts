// The flow's state lives in the browser, in one httpOnly cookie signed with HMAC-SHA256
// (WebCrypto, so it works in Node, edge and worker runtimes). Nothing about it is stored
// server-side, and a cookie that fails the signature check is simply not there.
import { base64url } from '../pkce'

/** What the state cookie carries. Signed, not encrypted: nothing in it is a secret from its own browser. */
export interface StatePayload {
  /** The OAuth `state` sent to ID.me. */
  state: string
  /** The PKCE code verifier. */
  verifier: string
  /** The app user who started (from `getUserId`); the callback must come from the same user. */
  userId: string
  /** Same-origin path to return to. */
  returnTo: string
  /** The groups asked for. */
  groups: string[]
  /** Expiry, ms since the epoch. */
  expiresAt: number
}

const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ])
    keys.set(secret, key)
  }
  return key
}

function fromBase64url(value: string): Uint8Array<ArrayBuffer> {
  const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** `base64url(JSON).base64url(HMAC)`. */
export async function signState(payload: StatePayload, secret: string): Promise<string> {
  const body = base64url(encoder.encode(JSON.stringify(payload)))
  const signature = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(body))
  return `${body}.${base64url(new Uint8Array(signature))}`
}

/** The payload of a cookie value whose signature checks out (in constant time), else `undefined`. */
export async function verifyState(
  value: string | undefined,
  secret: string,
): Promise<StatePayload | undefined> {
  if (!value || value.length > 4096) return undefined
  const [body, signature, extra] = value.split('.')
  if (!body || !signature || extra !== undefined) return undefined
  try {
    const ok = await crypto.subtle.verify(
      'HMAC',
      await hmacKey(secret),
      fromBase64url(signature),
      encoder.encode(body),
    )
    if (!ok) return undefined
    const payload = JSON.parse(new TextDecoder().decode(fromBase64url(body))) as StatePayload
    return typeof payload.state === 'string' &&
      typeof payload.verifier === 'string' &&
      typeof payload.userId === 'string' &&
      typeof payload.returnTo === 'string' &&
      typeof payload.expiresAt === 'number' &&
      Array.isArray(payload.groups)
      ? payload
      : undefined
  } catch {
    return undefined
  }
}

/** Reads one cookie from a `Cookie` header. */
export function readCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=')
    if (index !== -1 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim()
  }
  return undefined
}

/** A `Set-Cookie` value: httpOnly, SameSite=Lax (sent on ID.me's top-level redirect back), Secure on https. */
export function stateCookie(
  name: string,
  value: string,
  options: { maxAge: number; path: string; secure: boolean },
): string {
  return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAge}; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`
}
