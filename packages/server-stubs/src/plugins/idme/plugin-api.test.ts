// The idme plugin's own API on top of the fake ID.me: /auth/idme → ID.me → /callback/idme
// bound to the user who started, the verification read (own, or a service token's), no OAuth
// token in any response, and webhooks checked in constant time within a replay window.
import {
  IdmeAuthStartResponseSchema,
  IdmeCallbackResponseSchema,
  IdmeVerificationSchema,
} from '@nself/contracts/idme'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signDevToken } from '../../auth/jwt'
import { createIdmeServer, type IdmeServer } from './server'
import { signWebhook } from './webhook'

const SECRET = 'test-secret-0123456789'
const WEBHOOK_SECRET = 'whsec-test'
let server: IdmeServer
let clock = Date.now()
const bodies: string[] = []

beforeAll(async () => {
  server = await createIdmeServer({
    port: 0,
    jwtSecret: SECRET,
    logger: false,
    env: { NODE_ENV: 'test', IDME_WEBHOOK_SECRET: WEBHOOK_SECRET },
    now: () => clock,
  })
})
afterAll(() => server.close())

const tokenOf = (userId: string, role?: string) => signDevToken({ userId, ...(role ? { role } : {}) }, SECRET)

async function call(path: string, userId: string | null, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (userId) headers.set('authorization', `Bearer ${tokenOf(userId)}`)
  const res = await fetch(`${server.url}${path}`, { redirect: 'manual', ...init, headers })
  bodies.push(await res.clone().text())
  return res
}

/** /auth/idme as `userId`, then the fake ID.me signs in through login_hint: the redirect's query. */
async function startAndAuthorize(userId: string, groups = 'veteran,student'): Promise<URLSearchParams> {
  const start = await call(`/auth/idme?groups=${groups}`, userId, { headers: { accept: 'application/json' } })
  expect(start.status).toBe(200)
  const { url } = IdmeAuthStartResponseSchema.parse(await start.json())
  const authorize = new URL(url)
  const scopes = groups.replace('veteran', 'military').split(',')
  expect(authorize.searchParams.get('scope')).toBe(`openid email profile ${scopes.join(' ')}`)
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
  authorize.searchParams.set('login_hint', `${userId}@idme.test`)
  const res = await fetch(authorize, { redirect: 'manual' })
  return new URL(res.headers.get('location') as string).searchParams
}

describe('/auth/idme → /callback/idme', () => {
  it('answers 302 to ID.me with state { nonce, sourceAccountId } naming no user, and the idme_state cookie', async () => {
    const res = await call('/auth/idme?groups=military', 'alice')
    expect(res.status).toBe(302)
    const url = new URL(res.headers.get('location') as string)
    expect(url.pathname).toBe('/oauth/authorize')
    const state = JSON.parse(Buffer.from(url.searchParams.get('state') as string, 'base64url').toString())
    expect(Object.keys(state).sort()).toEqual(['nonce', 'sourceAccountId'])
    expect(res.headers.get('set-cookie')).toMatch(/^idme_state=[\w-]+; HttpOnly; Max-Age=600/)
  })

  it('verifies the user who started, stores it, and returns no token anywhere', async () => {
    const params = await startAndAuthorize('alice')
    const res = await call(`/callback/idme?${params}`, 'alice')
    expect(res.status).toBe(200)
    const body = IdmeCallbackResponseSchema.parse(await res.json())
    expect(body.verification).toMatchObject({ verified: true, groups: ['military', 'student'] })
    expect(Object.keys(body.tokens)).toEqual(['expiresAt'])
    const me = IdmeVerificationSchema.parse(await (await call('/api/verifications/me', 'alice')).json())
    expect(me).toMatchObject({ userId: 'alice', verified: true, groups: ['military', 'student'] })
    expect(me.status[0]).toEqual({ group: 'military', subgroups: ['veteran'], verified: true })
    // The refresh token was handed back to ID.me at once: nothing is left to leak.
    expect(server.fakeIdme.liveTokens).toBe(0)
  })

  it('refuses a callback presented by another user, and burns the state', async () => {
    const params = await startAndAuthorize('carol')
    const stolen = await call(`/callback/idme?${params}`, 'mallory')
    expect(stolen.status).toBe(403)
    expect(await stolen.json()).toMatchObject({ code: 'IDME_STATE_MISMATCH' })
    expect((await call('/api/verifications/me', 'mallory')).status).toBe(404)
    const late = await call(`/callback/idme?${params}`, 'carol')
    expect(await late.json()).toMatchObject({ code: 'IDME_STATE_MISMATCH' })
  })

  it('refuses an unknown state, an expired one, and reports access_denied', async () => {
    const forged = Buffer.from(JSON.stringify({ nonce: 'x', sourceAccountId: 'primary' })).toString(
      'base64url',
    )
    expect(await (await call(`/callback/idme?code=c&state=${forged}`, 'dave')).json()).toMatchObject({
      code: 'IDME_STATE_MISMATCH',
    })
    const params = await startAndAuthorize('dave')
    clock += 601_000
    try {
      expect(await (await call(`/callback/idme?${params}`, 'dave')).json()).toMatchObject({
        code: 'IDME_STATE_EXPIRED',
      })
    } finally {
      clock -= 601_000
    }
    const denied = await startAndAuthorize('dave')
    denied.delete('code')
    denied.set('error', 'access_denied')
    const res = await call(`/callback/idme?${denied}`, 'dave')
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ code: 'IDME_ACCESS_DENIED' })
  })
})

describe('/api/verifications', () => {
  it("another user's verification only with a service token", async () => {
    const params = await startAndAuthorize('erin', 'teacher')
    expect((await call(`/callback/idme?${params}`, 'erin')).status).toBe(200)
    expect((await call('/api/verifications/erin', 'frank')).status).toBe(403)
    const service = await fetch(`${server.url}/api/verifications/erin`, {
      headers: { authorization: `Bearer ${tokenOf('backend', 'service')}` },
    })
    expect(IdmeVerificationSchema.parse(await service.json())).toMatchObject({
      userId: 'erin',
      groups: ['teacher'],
    })
    expect((await call('/api/verifications/me', null)).status).toBe(401)
  })

  it('DELETE /api/verifications/me removes the caller’s own', async () => {
    const params = await startAndAuthorize('gina', 'nurse')
    await call(`/callback/idme?${params}`, 'gina')
    expect((await call('/api/verifications/me', 'gina', { method: 'DELETE' })).status).toBe(204)
    expect((await call('/api/verifications/me', 'gina')).status).toBe(404)
  })
})

describe('/webhook/idme', () => {
  const post = (body: string, signature: string | undefined) =>
    fetch(`${server.url}/webhook/idme`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'x-idme-signature': signature } : {}),
      },
      body,
    })
  const event = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id: `evt-${Math.random()}`,
      type: 'verification.completed',
      timestamp: new Date(clock).toISOString(),
      ...extra,
    })

  it('accepts a correctly signed, fresh event', async () => {
    const body = event()
    const res = await post(body, signWebhook(body, WEBHOOK_SECRET))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ received: true })
  })

  it('refuses a missing, malformed or wrong signature', async () => {
    const body = event()
    for (const signature of [
      undefined,
      'abc',
      signWebhook(body, 'other-secret'),
      signWebhook(`${body} `, WEBHOOK_SECRET),
    ]) {
      const res = await post(body, signature)
      expect(res.status).toBe(401)
      expect(await res.json()).toMatchObject({ code: 'IDME_INVALID_SIGNATURE' })
    }
  })

  it('refuses a stale (or future) event even when correctly signed, and a replayed id', async () => {
    for (const timestamp of [new Date(clock - 301_000).toISOString(), Math.floor((clock + 301_000) / 1000)]) {
      const body = event({ timestamp })
      const res = await post(body, signWebhook(body, WEBHOOK_SECRET))
      expect(res.status).toBe(401)
      expect(await res.json()).toMatchObject({ details: { reason: 'stale' } })
    }
    const body = event({ id: 'evt-once' })
    expect((await post(body, signWebhook(body, WEBHOOK_SECRET))).status).toBe(200)
    const replay = await post(body, signWebhook(body, WEBHOOK_SECRET))
    expect(await replay.json()).toMatchObject({ details: { reason: 'replay' } })
  })

  it('group.revoked updates the stored verification of that person', async () => {
    const params = await startAndAuthorize('hank', 'military')
    await call(`/callback/idme?${params}`, 'hank')
    const before = IdmeVerificationSchema.parse(await (await call('/api/verifications/me', 'hank')).json())
    const body = event({ type: 'group.revoked', data: { uuid: before.idmeUserId, group: 'veteran' } })
    expect((await post(body, signWebhook(body, WEBHOOK_SECRET))).status).toBe(200)
    const after = IdmeVerificationSchema.parse(await (await call('/api/verifications/me', 'hank')).json())
    expect(after).toMatchObject({ verified: false, groups: [] })
  })
})

it('no response of the plugin API contained an OAuth token', () => {
  expect(bodies.length).toBeGreaterThan(10)
  for (const body of bodies) expect(body).not.toMatch(/access_token|refresh_token|id_token/)
})
