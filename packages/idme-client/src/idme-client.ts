import { NselfError } from '@nself/client-core'
import {
  IDME_DEFAULT_SCOPES,
  IDME_HOSTS,
  IDME_PATHS,
  type IdmeGroup,
  normalizeIdmeGroup,
} from '@nself/contracts/idme'
import { codeChallenge, isCodeVerifier, randomToken } from './pkce'
import { idmeResultError } from './result'

/** Options of {@link IdmeClient}. */
export interface IdmeClientOptions {
  /** Your ID.me application's client id. */
  clientId: string
  /** The redirect URI, exactly as registered with ID.me. */
  redirectUri: string
  /**
   * ID.me's base URL. Default `https://api.id.me`, or `https://api.idmelabs.com` with
   * `sandbox`; the local fake ID.me (`http://localhost:3010`) in development.
   */
  baseUrl?: string
  /** Use ID.me's sandbox host. Ignored when `baseUrl` is given. */
  sandbox?: boolean
  /** OIDC scopes requested besides the groups. Default `openid email profile`. */
  scopes?: readonly string[]
}

/** Options of {@link IdmeClient.createAuthorization}. */
export interface CreateAuthorizationOptions {
  /** Groups to verify: ID.me scopes (`military`, `student` …) or the plugin's aliases (`veteran`, `first_responder`). */
  groups: readonly string[]
  /** Your own `state`; default 32 random bytes. */
  state?: string
  /** Your own PKCE verifier (43–128 characters); default 48 random bytes. */
  codeVerifier?: string
  /** OIDC `nonce`, echoed in the ID token. */
  nonce?: string
  /** OIDC `login_hint` (the fake ID.me signs straight in as this email). */
  loginHint?: string
}

/** An authorization request: send the person to `url`; keep `state` and `codeVerifier` server-side or in a signed cookie. */
export interface IdmeAuthorization {
  url: string
  state: string
  codeVerifier: string
  /** The groups requested, by ID.me scope name. */
  groups: IdmeGroup[]
}

/**
 * The React-free ID.me OAuth client: builds the authorize URL with PKCE (S256, WebCrypto) and
 * `state`, and reads the callback. Every failure is an `NselfError` with a typed code.
 */
export class IdmeClient {
  /** ID.me's base URL in use. */
  readonly baseUrl: string
  readonly #options: IdmeClientOptions

  constructor(options: IdmeClientOptions) {
    if (!options.clientId || !options.redirectUri) {
      throw new NselfError('NOT_CONFIGURED', 'IdmeClient needs clientId and redirectUri')
    }
    this.#options = options
    this.baseUrl = (
      options.baseUrl ?? (options.sandbox ? IDME_HOSTS.sandbox : IDME_HOSTS.production)
    ).replace(/\/+$/, '')
  }

  /**
   * Builds the authorize URL for `groups`, with a fresh `state` and PKCE pair.
   * @throws {NselfError} `VALIDATION_FAILED` for no group or an unknown one.
   */
  async createAuthorization(options: CreateAuthorizationOptions): Promise<IdmeAuthorization> {
    const groups = normalizeGroups(options.groups)
    const state = options.state ?? randomToken()
    const verifier = options.codeVerifier ?? randomToken(48)
    if (!isCodeVerifier(verifier)) {
      throw new NselfError('VALIDATION_FAILED', 'codeVerifier must be 43–128 characters of [A-Za-z0-9-._~]')
    }
    const challenge = await codeChallenge(verifier)
    const url = new URL(this.baseUrl + IDME_PATHS.authorize)
    const params: Record<string, string | undefined> = {
      client_id: this.#options.clientId,
      redirect_uri: this.#options.redirectUri,
      response_type: 'code',
      scope: [...(this.#options.scopes ?? IDME_DEFAULT_SCOPES), ...groups].join(' '),
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      nonce: options.nonce,
      login_hint: options.loginHint,
    }
    for (const [key, value] of Object.entries(params))
      if (value !== undefined) url.searchParams.set(key, value)
    return { url: url.href, state, codeVerifier: verifier, groups }
  }

  /**
   * Reads ID.me's redirect (`?code&state` or `?error&state`) and returns the code.
   * @throws {NselfError} `IDME_STATE_MISMATCH` when `state` is missing or differs from
   * `expectedState`; `IDME_ACCESS_DENIED` when the person cancelled; `UPSTREAM_ERROR` for
   * any other OAuth error or a response without a code.
   */
  parseCallback(callback: string | URL | URLSearchParams, expectedState: string): { code: string } {
    const params =
      callback instanceof URLSearchParams
        ? callback
        : new URL(typeof callback === 'string' ? callback : callback.href, 'http://localhost').searchParams
    const state = params.get('state')
    if (!state || !expectedState || !constantTimeEqual(state, expectedState)) {
      throw idmeResultError(
        'state_mismatch',
        'The callback state does not match the one this browser started with',
      )
    }
    const error = params.get('error')
    if (error) {
      throw idmeResultError(
        error === 'access_denied' ? error : 'upstream_error',
        `ID.me answered ${error}${params.get('error_description') ? `: ${params.get('error_description')}` : ''}`,
      )
    }
    const code = params.get('code')
    if (!code) throw idmeResultError('upstream_error', 'ID.me redirected back without a code')
    return { code }
  }
}

/** Groups by ID.me scope name, aliases resolved, de-duplicated. @throws {NselfError} `VALIDATION_FAILED` */
export function normalizeGroups(groups: readonly string[]): IdmeGroup[] {
  const out: IdmeGroup[] = []
  for (const name of groups) {
    const group = normalizeIdmeGroup(name)
    if (!group)
      throw new NselfError('VALIDATION_FAILED', `Unknown ID.me group: ${name}`, { details: { group: name } })
    if (!out.includes(group)) out.push(group)
  }
  if (out.length === 0) throw new NselfError('VALIDATION_FAILED', 'Ask for at least one ID.me group')
  return out
}

/** Compares two strings without an early exit on the first differing character. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return diff === 0
}
