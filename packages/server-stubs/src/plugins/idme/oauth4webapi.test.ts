// A standard OAuth/OIDC client that is not ours (oauth4webapi, RFC-strict) completes the
// code flow with PKCE against the fake ID.me: discovery, authorize, token (both client
// authentication methods), the ID token, the userinfo JWT verified against the published
// JWKS, refresh and revocation. Proof that the fake speaks the protocol, not our own dialect.
import { IDME_DEV_CLIENT } from '@nself/contracts/idme'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStubs, type TestStubs } from '../../testing'

const insecure = { [oauth.allowInsecureRequests]: true } as const
const redirectUri = IDME_DEV_CLIENT.redirectUris[0]

let stubs: TestStubs<'idme'>
let as: oauth.AuthorizationServer
const client: oauth.Client = {
  client_id: IDME_DEV_CLIENT.clientId,
  userinfo_signed_response_alg: 'RS256',
}

beforeAll(async () => {
  stubs = await startTestStubs(['idme'])
  const issuer = new URL(`${stubs.urls.idme}/oidc`)
  as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
  )
})
afterAll(() => stubs.close())

/** Follows the fake's authorize redirect as a browser would, signed in through login_hint. */
async function authorize(params: Record<string, string>): Promise<URL> {
  const url = new URL(as.authorization_endpoint as string)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  const res = await fetch(url, { redirect: 'manual' })
  expect(res.status).toBe(302)
  return new URL(res.headers.get('location') as string)
}

async function codeFlow(clientAuth: oauth.ClientAuth) {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const callback = await authorize({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid email profile military student',
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    login_hint: 'veteran@idme.test',
  })
  expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri)
  const params = oauth.validateAuthResponse(as, client, callback, state)
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    clientAuth,
    params,
    redirectUri,
    verifier,
    insecure,
  )
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: nonce,
    requireIdToken: true,
  })
  return { tokens, claims: oauth.getValidatedIdTokenClaims(tokens) }
}

describe('oauth4webapi against the fake ID.me', () => {
  it('discovers the issuer at /oidc/.well-known/openid-configuration', () => {
    expect(as.issuer).toBe(`${stubs.urls.idme}/oidc`)
    expect(as.code_challenge_methods_supported).toEqual(['S256'])
    expect(as.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_post', 'client_secret_basic']),
    )
  })

  it('completes the code flow with PKCE and client_secret_basic; the ID token validates', async () => {
    const { tokens, claims } = await codeFlow(oauth.ClientSecretBasic(IDME_DEV_CLIENT.clientSecret))
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.expires_in).toBe(300)
    expect(claims?.iss).toBe(as.issuer)
    expect(claims?.aud).toBe(client.client_id)
    expect(claims?.email).toBe('veteran@idme.test')
  })

  it('reads the userinfo JWT and verifies its signature against the published JWKS', async () => {
    const { tokens, claims } = await codeFlow(oauth.ClientSecretPost(IDME_DEV_CLIENT.clientSecret))
    const response = await oauth.userInfoRequest(as, client, tokens.access_token, insecure)
    expect(response.headers.get('content-type')).toBe('application/jwt')
    const userinfo = await oauth.processUserInfoResponse(as, client, claims?.sub as string, response)
    await oauth.validateApplicationLevelSignature(as, response, insecure)
    expect(userinfo.fname).toBe('Val')
    expect(userinfo.status).toEqual([
      { group: 'military', subgroups: ['veteran'], verified: true },
      { group: 'student', subgroups: ['college_student'], verified: true },
    ])
    // Single-use: the same access token opens nothing a second time.
    const again = await oauth.userInfoRequest(as, client, tokens.access_token, insecure)
    expect(again.status).toBe(401)
    expect(again.headers.get('www-authenticate')).toMatch(/invalid_token/)
  })

  it('refreshes, then revokes the refresh token', async () => {
    const auth = oauth.ClientSecretBasic(IDME_DEV_CLIENT.clientSecret)
    const { tokens } = await codeFlow(auth)
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token as string, insecure),
    )
    expect(refreshed.access_token).not.toBe(tokens.access_token)
    const revoked = await oauth.revocationRequest(
      as,
      client,
      auth,
      refreshed.refresh_token as string,
      insecure,
    )
    await oauth.processRevocationResponse(revoked)
    const after = await oauth.refreshTokenGrantRequest(
      as,
      client,
      auth,
      refreshed.refresh_token as string,
      insecure,
    )
    await expect(oauth.processRefreshTokenResponse(as, client, after)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
  })

  it('completes the flow as a public client (PKCE, no secret)', async () => {
    const { tokens } = await codeFlow(oauth.None())
    expect(tokens.access_token).toEqual(expect.any(String))
  })
})
