import { createHash } from 'node:crypto'
import { IDME_RESULT_ERRORS } from '@nself/contracts/idme'
import { idmeResultCode, idmeResultError, isNselfError, parseIdmeResult } from '@nself/idme-client'
import { IdmeClient } from '@nself/idme-client/server'
import { describe, expect, it } from 'vitest'

const client = new IdmeClient({ clientId: 'app', redirectUri: 'https://app.example/api/idme/callback' })

function caught(fn: () => unknown): { code: string } {
  try {
    fn()
  } catch (error) {
    if (isNselfError(error)) return error
    throw error
  }
  throw new Error('did not throw')
}

describe('IdmeClient.createAuthorization', () => {
  it('builds ID.me’s authorize URL with PKCE S256 and a random state', async () => {
    const a = await client.createAuthorization({ groups: ['veteran', 'first_responder', 'military'] })
    const url = new URL(a.url)
    expect(`${url.origin}${url.pathname}`).toBe('https://api.id.me/oauth/authorize')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'app',
      redirect_uri: 'https://app.example/api/idme/callback',
      response_type: 'code',
      scope: 'openid email profile military responder',
      state: a.state,
      code_challenge: createHash('sha256').update(a.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    })
    expect(a.groups).toEqual(['military', 'responder'])
    expect(a.codeVerifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/)
    expect(a.state.length).toBeGreaterThanOrEqual(43)
    const b = await client.createAuthorization({ groups: ['student'] })
    expect(b.state).not.toBe(a.state)
    expect(b.codeVerifier).not.toBe(a.codeVerifier)
  })

  it('uses the sandbox host with sandbox, and a given base URL as is', async () => {
    const sandbox = new IdmeClient({ clientId: 'a', redirectUri: 'https://x/cb', sandbox: true })
    expect(sandbox.baseUrl).toBe('https://api.idmelabs.com')
    const local = new IdmeClient({
      clientId: 'a',
      redirectUri: 'https://x/cb',
      baseUrl: 'http://localhost:3010/',
    })
    expect((await local.createAuthorization({ groups: ['nurse'], loginHint: 'n@x.test' })).url).toMatch(
      /^http:\/\/localhost:3010\/oauth\/authorize\?.*login_hint=n%40x\.test/,
    )
  })

  it('refuses unknown groups, no group, and a verifier outside 43–128 characters', async () => {
    await expect(client.createAuthorization({ groups: ['astronaut'] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(client.createAuthorization({ groups: [] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(
      client.createAuthorization({ groups: ['military'], codeVerifier: 'short' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(
      client.createAuthorization({ groups: ['military'], codeVerifier: 'a'.repeat(129) }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
  })

  it('refuses to exist without a client id or redirect URI (NOT_CONFIGURED)', () => {
    expect(caught(() => new IdmeClient({ clientId: '', redirectUri: 'https://x/cb' })).code).toBe(
      'NOT_CONFIGURED',
    )
  })
})

describe('IdmeClient.parseCallback', () => {
  const cb = (query: string) => `https://app.example/api/idme/callback?${query}`

  it('returns the code when the state matches', () => {
    expect(client.parseCallback(cb('code=abc&state=s1'), 's1')).toEqual({ code: 'abc' })
  })

  it('maps every failure to a typed code', () => {
    expect(caught(() => client.parseCallback(cb('code=abc&state=other'), 's1')).code).toBe(
      'IDME_STATE_MISMATCH',
    )
    expect(caught(() => client.parseCallback(cb('code=abc'), 's1')).code).toBe('IDME_STATE_MISMATCH')
    expect(caught(() => client.parseCallback(cb('error=access_denied&state=s1'), 's1')).code).toBe(
      'IDME_ACCESS_DENIED',
    )
    // A forged error with a foreign state is a state mismatch first.
    expect(caught(() => client.parseCallback(cb('error=access_denied&state=x'), 's1')).code).toBe(
      'IDME_STATE_MISMATCH',
    )
    expect(caught(() => client.parseCallback(cb('error=server_error&state=s1'), 's1')).code).toBe(
      'UPSTREAM_ERROR',
    )
    expect(caught(() => client.parseCallback(cb('state=s1'), 's1')).code).toBe('UPSTREAM_ERROR')
  })
})

describe('result codes', () => {
  it('map the lowercase redirect results 1:1 to error codes, and back', () => {
    expect(IDME_RESULT_ERRORS).toEqual({
      access_denied: 'IDME_ACCESS_DENIED',
      state_mismatch: 'IDME_STATE_MISMATCH',
      state_expired: 'IDME_STATE_EXPIRED',
      invalid_grant: 'IDME_INVALID_GRANT',
      not_configured: 'NOT_CONFIGURED',
      upstream_error: 'UPSTREAM_ERROR',
      unauthenticated: 'UNAUTHENTICATED',
    })
    for (const [result, code] of Object.entries(IDME_RESULT_ERRORS)) {
      expect(idmeResultError(result).code).toBe(code)
      expect(idmeResultCode(code)).toBe(result)
    }
    expect(idmeResultError('constructor').code).toBe('UPSTREAM_ERROR')
    expect(idmeResultCode('INTERNAL_ERROR')).toBe('upstream_error')
  })

  it('parses ?idme=verified and ?idme=error&code=…', () => {
    expect(parseIdmeResult('?idme=verified')).toEqual({ ok: true })
    const failed = parseIdmeResult('?idme=error&code=state_expired')
    expect(failed?.ok === false && failed.error.code).toBe('IDME_STATE_EXPIRED')
    expect(parseIdmeResult('?other=1')).toBeUndefined()
  })
})
