// The fake ID.me, through HTTP, as ID.me documents it: exact redirect URIs, PKCE S256,
// single-use codes and access tokens, 5-minute access tokens, code reuse revoking what it
// issued, refresh tokens, revocation, the attributes API, and `access_denied` on cancel.
import {
  IDME_DEV_CLIENT,
  IDME_HOSTS,
  IdmeAttributesResponseSchema,
  IdmeDiscoverySchema,
  IdmeJwksSchema,
  IdmeTokenResponseSchema,
} from '@nself/contracts/idme'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Logger, LogRecord } from '../../http/logger'
import { resolveIdmeConfig } from './config'
import { createIdmeServer, type IdmeServer } from './server'
import { authorizeParams, authorizeRequest, codeFor, exchange, pkce, postForm } from './test-helpers'

let server: IdmeServer
let base: string
let clock = Date.now()
const warnings: LogRecord[] = []
const logger: Logger = { info() {}, warn: (r) => warnings.push(r), error() {} }

beforeAll(async () => {
  server = await createIdmeServer({
    port: 0,
    jwtSecret: 'test-secret-0123456789',
    logger,
    env: { NODE_ENV: 'test' },
    now: () => clock,
  })
  base = server.url
})
afterAll(() => server.close())

async function tokensFor(groups = 'military') {
  const { verifier, challenge } = pkce()
  const code = await codeFor(base, challenge, { scope: `openid email profile ${groups}` })
  const res = await exchange(base, code, verifier)
  expect(res.status).toBe(200)
  return IdmeTokenResponseSchema.parse(await res.json())
}

function attributes(accessToken: string) {
  return fetch(`${base}/api/public/v3/attributes.json`, {
    headers: { authorization: `Bearer ${accessToken}` },
  })
}

describe('configuration', () => {
  it('registers the development client when IDME_* are unset, and logs its values at start', () => {
    const warning = warnings.find((w) => /development defaults/.test(w.msg))
    expect(warning).toMatchObject({
      client_id: IDME_DEV_CLIENT.clientId,
      client_secret: IDME_DEV_CLIENT.clientSecret,
      redirect_uris: IDME_DEV_CLIENT.redirectUris,
    })
  })

  it('reads IDME_CLIENT_ID, IDME_CLIENT_SECRET and comma-separated IDME_REDIRECT_URI', () => {
    const config = resolveIdmeConfig({
      IDME_CLIENT_ID: 'app',
      IDME_CLIENT_SECRET: 's3cret',
      IDME_REDIRECT_URI: 'https://a.example/cb, https://b.example/cb',
      IDME_WEBHOOK_SECRET: 'wh',
    })
    expect(config.client).toEqual({
      clientId: 'app',
      clientSecret: 's3cret',
      redirectUris: ['https://a.example/cb', 'https://b.example/cb'],
    })
    expect(config.devDefaults).toEqual([])
  })

  it('IDME_SANDBOX switches the real upstream between api.id.me and api.idmelabs.com', () => {
    expect(resolveIdmeConfig({}).upstream).toEqual({ kind: 'fake' })
    expect(resolveIdmeConfig({ IDME_UPSTREAM: 'idme' }).upstream).toEqual({
      kind: 'url',
      baseUrl: IDME_HOSTS.production,
    })
    expect(resolveIdmeConfig({ IDME_UPSTREAM: 'idme', IDME_SANDBOX: 'true' }).upstream).toEqual({
      kind: 'url',
      baseUrl: IDME_HOSTS.sandbox,
    })
  })

  it('refuses the development client under NODE_ENV=production', () => {
    expect(() => resolveIdmeConfig({ NODE_ENV: 'production' })).toThrow(/IDME_CLIENT_ID/)
  })
})

describe('discovery', () => {
  it('serves the OIDC configuration and the JWKS at the documented paths', async () => {
    const discovery = IdmeDiscoverySchema.parse(
      await (await fetch(`${base}/oidc/.well-known/openid-configuration`)).json(),
    )
    expect(discovery.issuer).toBe(`${base}/oidc`)
    expect(discovery.jwks_uri).toBe(`${base}/oidc/.well-known/jwks`)
    expect(discovery.userinfo_endpoint).toBe(`${base}/api/public/v3/userinfo`)
    const jwks = IdmeJwksSchema.parse(await (await fetch(discovery.jwks_uri)).json())
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    expect(jwks.keys[0]).not.toHaveProperty('d')
  })
})

describe('/oauth/authorize', () => {
  it('never redirects to an unregistered redirect_uri, nor for an unknown client', async () => {
    for (const params of [
      authorizeParams({ redirect_uri: 'https://evil.example/cb' }),
      authorizeParams({ redirect_uri: `${IDME_DEV_CLIENT.redirectUris[0]}/` }),
      authorizeParams({ client_id: 'nobody' }),
    ]) {
      const res = await authorizeRequest(base, params)
      expect(res.status).toBe(400)
      expect(res.headers.get('location')).toBeNull()
    }
  })

  it('answers invalid_scope for a scope ID.me does not have (the plugin alias veteran)', async () => {
    const res = await authorizeRequest(
      base,
      authorizeParams({ scope: 'openid veteran', login_hint: 'a@b.test' }),
    )
    const location = new URL(res.headers.get('location') as string)
    expect(location.searchParams.get('error')).toBe('invalid_scope')
    expect(location.searchParams.get('state')).toBe('st-1')
  })

  it('refuses the plain PKCE method', async () => {
    const res = await authorizeRequest(
      base,
      authorizeParams({ code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }),
    )
    expect(new URL(res.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request')
  })

  it('shows a page to pick a test identity and groups; Continue returns a code with the chosen groups', async () => {
    const { verifier, challenge } = pkce()
    const page = await authorizeRequest(
      base,
      authorizeParams({
        scope: 'openid military student',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    )
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('veteran@idme.test')
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1] as string
    const decision = await fetch(`${base}/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['request_id', requestId],
        ['identity', 'student@idme.test'],
        ['groups', 'student'],
        ['action', 'allow'],
      ]),
      redirect: 'manual',
    })
    expect(decision.status).toBe(302)
    const location = new URL(decision.headers.get('location') as string)
    expect(location.searchParams.get('state')).toBe('st-1')
    const tokens = IdmeTokenResponseSchema.parse(
      await (await exchange(base, location.searchParams.get('code') as string, verifier)).json(),
    )
    const attrs = IdmeAttributesResponseSchema.parse(await (await attributes(tokens.access_token)).json())
    expect(attrs.status).toEqual([
      { group: 'military', subgroups: [], verified: false },
      { group: 'student', subgroups: ['college_student'], verified: true },
    ])
    expect(attrs.attributes).toContainEqual({ handle: 'email', name: 'Email', value: 'student@idme.test' })
  })

  it('Cancel redirects with error=access_denied and the state, untouched', async () => {
    const html = await (await authorizeRequest(base, authorizeParams({ state: 'keep me' }))).text()
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1] as string
    const res = await postForm(base, '/oauth/authorize', { request_id: requestId, action: 'deny' })
    const location = new URL(res.headers.get('location') as string)
    expect(`${location.origin}${location.pathname}`).toBe(IDME_DEV_CLIENT.redirectUris[0])
    expect(location.searchParams.get('error')).toBe('access_denied')
    expect(location.searchParams.get('state')).toBe('keep me')
    // The sign-in request is used up.
    const again = await postForm(base, '/oauth/authorize', { request_id: requestId, action: 'allow' })
    expect(again.status).toBe(400)
  })
})

describe('/oauth/token', () => {
  it('refuses a wrong PKCE verifier, and a missing one', async () => {
    const { challenge } = pkce()
    const wrong = await exchange(base, await codeFor(base, challenge), pkce().verifier)
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' })
    const missing = await exchange(base, await codeFor(base, challenge))
    expect(await missing.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a redirect_uri other than the authorization request’s', async () => {
    const { verifier, challenge } = pkce()
    const res = await exchange(base, await codeFor(base, challenge), verifier, {
      redirect_uri: IDME_DEV_CLIENT.redirectUris[1],
    })
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('a code is single-use, and its reuse revokes the tokens it issued', async () => {
    const { verifier, challenge } = pkce()
    const code = await codeFor(base, challenge)
    const first = IdmeTokenResponseSchema.parse(await (await exchange(base, code, verifier)).json())
    expect(server.fakeIdme.isLive(first.access_token)).toBe(true)
    const replay = await exchange(base, code, verifier)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
    expect(server.fakeIdme.isLive(first.access_token)).toBe(false)
    expect(server.fakeIdme.isLive(first.refresh_token as string)).toBe(false)
    expect((await attributes(first.access_token)).status).toBe(401)
    const refresh = await postForm(base, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token as string,
      client_id: IDME_DEV_CLIENT.clientId,
      client_secret: IDME_DEV_CLIENT.clientSecret,
    })
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('authenticates with client_secret_basic; a wrong secret is invalid_client; two methods at once are refused', async () => {
    const { verifier, challenge } = pkce()
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`${IDME_DEV_CLIENT.clientId}:${encodeURIComponent(secret)}`).toString('base64')}`
    const form = (code: string) => ({
      grant_type: 'authorization_code',
      code,
      redirect_uri: IDME_DEV_CLIENT.redirectUris[0],
      code_verifier: verifier,
    })
    const bad = await postForm(base, '/oauth/token', form(await codeFor(base, challenge)), {
      authorization: basic('wrong'),
    })
    expect(bad.status).toBe(401)
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' })
    const both = await postForm(
      base,
      '/oauth/token',
      { ...form(await codeFor(base, challenge)), client_secret: IDME_DEV_CLIENT.clientSecret },
      { authorization: basic(IDME_DEV_CLIENT.clientSecret) },
    )
    expect(await both.json()).toMatchObject({ error: 'invalid_request' })
    const ok = await postForm(base, '/oauth/token', form(await codeFor(base, challenge)), {
      authorization: basic(IDME_DEV_CLIENT.clientSecret),
    })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('cache-control')).toBe('no-store')
  })

  it('without PKCE, a client secret is required', async () => {
    const code = await codeFor(base, undefined)
    const res = await postForm(base, '/oauth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: IDME_DEV_CLIENT.redirectUris[0],
      client_id: IDME_DEV_CLIENT.clientId,
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('a code expires', async () => {
    const { verifier, challenge } = pkce()
    const code = await codeFor(base, challenge)
    clock += 121_000
    try {
      expect(await (await exchange(base, code, verifier)).json()).toMatchObject({ error: 'invalid_grant' })
    } finally {
      clock -= 121_000
    }
  })
})

describe('access tokens', () => {
  it('open the attributes API once, in ID.me’s shape', async () => {
    const tokens = await tokensFor('military')
    expect(tokens.expires_in).toBe(300)
    const res = await attributes(tokens.access_token)
    expect(res.status).toBe(200)
    const body = IdmeAttributesResponseSchema.parse(await res.json())
    expect(body.status).toEqual([{ group: 'military', subgroups: ['veteran'], verified: true }])
    expect(body.attributes.map((a) => a.handle)).toEqual([
      'fname',
      'lname',
      'email',
      'uuid',
      'zip',
      'military_branch',
    ])
    const again = await attributes(tokens.access_token)
    expect(again.status).toBe(401)
    expect(await again.json()).toMatchObject({ error: 'invalid_token' })
  })

  it('accept the access_token query parameter too', async () => {
    const tokens = await tokensFor()
    const res = await fetch(`${base}/api/public/v3/attributes.json?access_token=${tokens.access_token}`)
    expect(res.status).toBe(200)
  })

  it('last 5 minutes', async () => {
    const tokens = await tokensFor()
    clock += 301_000
    try {
      expect((await attributes(tokens.access_token)).status).toBe(401)
    } finally {
      clock -= 301_000
    }
  })

  it('are replaced by a refresh, which rotates the refresh token', async () => {
    const tokens = await tokensFor()
    const refresh = (token: string) =>
      postForm(base, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: IDME_DEV_CLIENT.clientId,
        client_secret: IDME_DEV_CLIENT.clientSecret,
      })
    const next = IdmeTokenResponseSchema.parse(await (await refresh(tokens.refresh_token as string)).json())
    expect((await attributes(next.access_token)).status).toBe(200)
    expect(await (await refresh(tokens.refresh_token as string)).json()).toMatchObject({
      error: 'invalid_grant',
    })
  })

  it('/oauth/revoke of a refresh token revokes its access tokens too', async () => {
    const tokens = await tokensFor()
    const res = await postForm(base, '/oauth/revoke', {
      token: tokens.refresh_token as string,
      client_id: IDME_DEV_CLIENT.clientId,
      client_secret: IDME_DEV_CLIENT.clientSecret,
    })
    expect(res.status).toBe(200)
    expect((await attributes(tokens.access_token)).status).toBe(401)
  })
})
