// Shared by the idme tests (not shipped: tsup builds it, nothing exports it).
import { createHash, randomBytes } from 'node:crypto'
import { IDME_DEV_CLIENT } from '@nself/contracts/idme'

/** A PKCE pair: a 64-character verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/** GET `/oauth/authorize` without following the redirect. */
export function authorizeRequest(base: string, params: Record<string, string>): Promise<Response> {
  const url = new URL('/oauth/authorize', base)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  return fetch(url, { redirect: 'manual' })
}

/** The standard authorize parameters of the development client. */
export function authorizeParams(extra: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: IDME_DEV_CLIENT.clientId,
    redirect_uri: IDME_DEV_CLIENT.redirectUris[0],
    response_type: 'code',
    scope: 'openid email profile military',
    state: 'st-1',
    ...extra,
  }
}

/** POST a form to `path`. */
export function postForm(
  base: string,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
    redirect: 'manual',
  })
}

/** Authorizes through `login_hint` and returns the code from the redirect. */
export async function codeFor(
  base: string,
  challenge: string | undefined,
  extra: Record<string, string> = {},
): Promise<string> {
  const res = await authorizeRequest(
    base,
    authorizeParams({
      login_hint: 'veteran@idme.test',
      ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
      ...extra,
    }),
  )
  const location = new URL(res.headers.get('location') ?? 'http://x/')
  const code = location.searchParams.get('code')
  if (!code) throw new Error(`no code: ${res.status} ${location.href}`)
  return code
}

/** Exchanges a code with client_secret_post. */
export function exchange(base: string, code: string, verifier?: string, extra: Record<string, string> = {}) {
  return postForm(base, '/oauth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: IDME_DEV_CLIENT.redirectUris[0],
    client_id: IDME_DEV_CLIENT.clientId,
    client_secret: IDME_DEV_CLIENT.clientSecret,
    ...(verifier ? { code_verifier: verifier } : {}),
    ...extra,
  })
}
