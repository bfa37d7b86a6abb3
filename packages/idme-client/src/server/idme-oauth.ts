// The server-to-server half of the flow: exchange the code with the client secret, read the
// attributes once (ID.me access tokens are single-use), give the refresh token back.
import { NselfError } from '@nself/client-core'
import {
  IDME_PATHS,
  type IdmeAttributesResponse,
  IdmeAttributesResponseSchema,
  type IdmeTokenResponse,
  IdmeTokenResponseSchema,
} from '@nself/contracts/idme'

/** How the app authenticates to ID.me's token endpoint. */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post'

/** The confidential client's settings. */
export interface IdmeServerClient {
  baseUrl: string
  clientId: string
  clientSecret: string
  redirectUri: string
  authMethod: TokenEndpointAuthMethod
  fetch: typeof fetch
}

function authenticate(
  client: IdmeServerClient,
  form: URLSearchParams,
  headers: Record<string, string>,
): void {
  if (client.authMethod === 'client_secret_post') {
    form.set('client_id', client.clientId)
    form.set('client_secret', client.clientSecret)
  } else {
    // RFC 6749 §2.3.1: form-urlencode id and secret before base64.
    const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+')
    headers.authorization = `Basic ${btoa(`${enc(client.clientId)}:${enc(client.clientSecret)}`)}`
  }
}

async function call(client: IdmeServerClient, path: string, init: RequestInit): Promise<Response> {
  try {
    return await client.fetch(client.baseUrl + path, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    })
  } catch (error) {
    throw new NselfError('UPSTREAM_ERROR', `ID.me is unreachable (${path})`, {
      cause: error,
      retryable: true,
    })
  }
}

/**
 * `POST /oauth/token` with `grant_type=authorization_code` and the PKCE verifier.
 * @throws {NselfError} `IDME_INVALID_GRANT` (bad, expired or reused code; wrong verifier),
 * `NOT_CONFIGURED` (ID.me does not know the client or its secret), `UPSTREAM_ERROR`.
 */
export async function exchangeCode(
  client: IdmeServerClient,
  code: string,
  codeVerifier: string,
): Promise<IdmeTokenResponse> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUri,
    code_verifier: codeVerifier,
  })
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  }
  authenticate(client, form, headers)
  const res = await call(client, IDME_PATHS.token, { method: 'POST', headers, body: form })
  const body: unknown = await res.json().catch(() => undefined)
  if (!res.ok) {
    const error = (body as { error?: unknown } | undefined)?.error
    if (error === 'invalid_grant')
      throw new NselfError('IDME_INVALID_GRANT', 'ID.me refused the code (invalid_grant)', {
        status: res.status,
      })
    if (error === 'invalid_client' || error === 'unauthorized_client') {
      throw new NselfError('NOT_CONFIGURED', `ID.me refused the client credentials (${error})`, {
        status: res.status,
      })
    }
    throw new NselfError('UPSTREAM_ERROR', `ID.me's token endpoint answered ${res.status}`, {
      status: res.status,
    })
  }
  const parsed = IdmeTokenResponseSchema.safeParse(body)
  if (!parsed.success) throw new NselfError('UPSTREAM_ERROR', "ID.me's token response is malformed")
  return parsed.data
}

/** `GET /api/public/v3/attributes.json` with the (single-use) access token. @throws {NselfError} `UPSTREAM_ERROR` */
export async function fetchAttributes(
  client: IdmeServerClient,
  accessToken: string,
): Promise<IdmeAttributesResponse> {
  const res = await call(client, IDME_PATHS.attributes, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
  })
  const parsed = IdmeAttributesResponseSchema.safeParse(await res.json().catch(() => undefined))
  if (!res.ok || !parsed.success) {
    throw new NselfError('UPSTREAM_ERROR', `ID.me's attributes API answered ${res.status}`, {
      status: res.status,
    })
  }
  return parsed.data
}

/** `POST /oauth/revoke` (RFC 7009). Never throws: a failed revocation is only logged by the caller. */
export async function revokeToken(
  client: IdmeServerClient,
  token: string,
  hint: 'access_token' | 'refresh_token',
): Promise<boolean> {
  const form = new URLSearchParams({ token, token_type_hint: hint })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  authenticate(client, form, headers)
  try {
    const res = await call(client, IDME_PATHS.revoke, { method: 'POST', headers, body: form })
    await res.body?.cancel()
    return res.ok
  } catch {
    return false
  }
}
