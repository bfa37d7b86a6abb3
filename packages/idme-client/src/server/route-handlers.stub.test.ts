// The whole flow end to end through the route handlers, against the fake ID.me of
// `@nself/server-stubs`: start → fake ID.me (login_hint) → callback → status → revoke, driven
// as a browser would with a cookie jar; and the security properties, each its own test.
import { type IdmeStatus, IdmeStatusSchema } from '@nself/contracts/idme'
import { startTestStubs, type TestStubs } from '@nself/server-stubs/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createIdmeRouteHandlers, type IdmeRouteHandlers } from './route-handlers'
import { readCookie, signState, verifyState } from './state-cookie'
import { createMemoryVerificationStore } from './store'

const APP = 'http://localhost:3000'
const STATE_SECRET = 'test-state-secret-0123456789'
const SESSION_COOKIE = 'nself_dev_user'

let stubs: TestStubs<'idme'>
let handlers: IdmeRouteHandlers
let store: ReturnType<typeof createMemoryVerificationStore>
let clock = Date.now()
/** Every token ID.me issued to the route handlers (server-to-server), to look for in responses. */
const issued: string[] = []
/** Every status, header and body a browser received, app and fake ID.me alike. */
const seen: string[] = []

beforeAll(async () => {
  stubs = await startTestStubs(['idme'])
})
afterAll(() => stubs.close())

beforeEach(() => {
  store = createMemoryVerificationStore()
  handlers = createIdmeRouteHandlers({
    // The app's own session: a signed-in cookie (the example's development session).
    getUserId: (request) => readCookie(request.headers.get('cookie'), SESSION_COOKIE) ?? null,
    baseUrl: stubs.urls.idme,
    stateSecret: STATE_SECRET,
    store,
    env: { NODE_ENV: 'development' },
    now: () => clock,
    fetch: async (input, init) => {
      const res = await fetch(input, init)
      if (String(input).endsWith('/oauth/token') && res.ok) {
        const body = (await res.clone().json()) as Record<string, unknown>
        for (const key of ['access_token', 'refresh_token', 'id_token']) {
          if (typeof body[key] === 'string') issued.push(body[key] as string)
        }
      }
      return res
    },
  })
})

async function record(res: Response): Promise<Response> {
  seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.clone().text()}`)
  return res
}

/** A browser: a cookie jar for the app's origin, requests to the app go through the handlers. */
class Browser {
  readonly cookies = new Map<string, { value: string; path: string }>()

  constructor(userId?: string) {
    if (userId) this.cookies.set(SESSION_COOKIE, { value: userId, path: '/' })
  }

  cookieHeader(path: string): string {
    return [...this.cookies]
      .filter(([, c]) => path.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ')
  }

  async app(
    url: string,
    init: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const target = new URL(url, APP)
    const request = new Request(target, {
      method: init.method ?? 'GET',
      headers: { cookie: this.cookieHeader(target.pathname), ...init.headers },
    })
    const res = await record(
      await (request.method === 'POST' ? handlers.POST(request) : handlers.GET(request)),
    )
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((p) => p.trim())
      const index = pair.indexOf('=')
      const name = pair.slice(0, index)
      const path = attributes.find((a) => a.startsWith('Path='))?.slice(5) ?? '/'
      if (attributes.includes('Max-Age=0')) this.cookies.delete(name)
      else this.cookies.set(name, { value: pair.slice(index + 1), path })
    }
    return res
  }

  /** The fake ID.me, as a real HTTP server; `login_hint` signs straight in. */
  async idme(url: string, loginHint?: string): Promise<URL> {
    const target = new URL(url)
    if (loginHint) target.searchParams.set('login_hint', loginHint)
    const res = await record(await fetch(target, { redirect: 'manual' }))
    expect(res.status).toBe(302)
    return new URL(res.headers.get('location') as string)
  }

  /** start → ID.me: the callback URL ID.me sends this browser back to. */
  async startAndSignIn(groups = 'veteran,student', returnTo = '/settings'): Promise<URL> {
    const start = await this.app(`/api/idme/start?groups=${groups}&returnTo=${encodeURIComponent(returnTo)}`)
    expect(start.status).toBe(302)
    return this.idme(start.headers.get('location') as string, 'veteran@idme.test')
  }

  async status(): Promise<IdmeStatus> {
    const res = await this.app('/api/idme/status')
    expect(res.status).toBe(200)
    return IdmeStatusSchema.parse(await res.json())
  }
}

function result(res: Response): URLSearchParams {
  expect(res.status).toBe(302)
  return new URL(res.headers.get('location') as string, APP).searchParams
}

describe('the flow end to end', () => {
  it('start → fake ID.me → callback → status shows the groups → revoke', async () => {
    const alice = new Browser('alice')
    expect(await alice.status()).toEqual({ verified: false, groups: [], status: [], verifiedAt: null })

    const start = await alice.app('/api/idme/start?groups=veteran,student&returnTo=/settings')
    const authorize = new URL(start.headers.get('location') as string)
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${stubs.urls.idme}/oauth/authorize`)
    expect(authorize.searchParams.get('scope')).toBe('openid email profile military student')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${APP}/api/idme/callback`)
    const cookie = start.headers.get('set-cookie') as string
    expect(cookie).toMatch(
      /^nself_idme=[\w-]+\.[\w-]+; Path=\/api\/idme\/callback; Max-Age=1200; HttpOnly; SameSite=Lax$/,
    )

    const callback = await alice.idme(authorize.href, 'veteran@idme.test')
    expect(`${callback.origin}${callback.pathname}`).toBe(`${APP}/api/idme/callback`)
    const done = await alice.app(callback.href)
    expect(done.headers.get('location')).toBe('/settings?idme=verified')
    expect(alice.cookies.has('nself_idme')).toBe(false)

    const status = await alice.status()
    expect(status).toMatchObject({ verified: true, groups: ['military', 'student'] })
    expect(status.status).toContainEqual({ group: 'military', subgroups: ['veteran'], verified: true })

    const revoked = await alice.app('/api/idme/revoke', { method: 'POST', headers: { origin: APP } })
    expect(IdmeStatusSchema.parse(await revoked.json())).toMatchObject({ verified: false, groups: [] })
    expect(await alice.status()).toMatchObject({ verified: false, groups: [] })
    // Nothing of ID.me's is left alive: the access token was spent, the refresh token revoked.
    expect(issued.length).toBeGreaterThanOrEqual(2)
    for (const token of issued) expect(stubs.servers.idme.fakeIdme.isLive(token)).toBe(false)
  })

  it('reports access_denied when the person cancels on the fake ID.me page', async () => {
    const alice = new Browser('alice')
    const start = await alice.app('/api/idme/start?groups=teacher&returnTo=/settings')
    const page = await record(await fetch(start.headers.get('location') as string))
    const requestId = /name="request_id" value="([^"]+)"/.exec(await page.text())?.[1] as string
    const cancel = await record(
      await fetch(`${stubs.urls.idme}/oauth/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ request_id: requestId, action: 'deny' }),
        redirect: 'manual',
      }),
    )
    const back = await alice.app(cancel.headers.get('location') as string)
    expect(back.headers.get('location')).toBe('/settings?idme=error&code=access_denied')
    expect((await alice.status()).verified).toBe(false)
  })
})

describe('security', () => {
  it('refuses a state that does not match the cookie', async () => {
    const alice = new Browser('alice')
    const callback = await alice.startAndSignIn()
    callback.searchParams.set('state', 'attacker-chosen-state')
    expect(result(await alice.app(callback.href)).get('code')).toBe('state_mismatch')
    expect(store.size).toBe(0)
  })

  it('refuses a callback without the state cookie (this browser never started)', async () => {
    const alice = new Browser('alice')
    const callback = await alice.startAndSignIn()
    alice.cookies.delete('nself_idme')
    expect(result(await alice.app(callback.href)).get('code')).toBe('state_mismatch')
    expect(store.size).toBe(0)
  })

  it('refuses an expired state', async () => {
    const alice = new Browser('alice')
    const callback = await alice.startAndSignIn()
    clock += 601_000
    try {
      const back = result(await alice.app(callback.href))
      expect(back.get('idme')).toBe('error')
      expect(back.get('code')).toBe('state_expired')
    } finally {
      clock -= 601_000
    }
    expect(store.size).toBe(0)
  })

  it('a forged state cookie cannot be used: its signature fails', async () => {
    const alice = new Browser('alice')
    const callback = await alice.startAndSignIn()
    const value = alice.cookies.get('nself_idme')?.value as string
    const payload = await verifyState(value, STATE_SECRET)
    const forged = await signState(
      { ...(payload as NonNullable<typeof payload>), userId: 'mallory' },
      'not-the-secret',
    )
    alice.cookies.set('nself_idme', { value: forged, path: '/api/idme/callback' })
    expect(result(await alice.app(callback.href)).get('code')).toBe('state_mismatch')
  })

  it('refuses a wrong PKCE verifier (ID.me answers invalid_grant)', async () => {
    const alice = new Browser('alice')
    const callback = await alice.startAndSignIn()
    const payload = await verifyState(alice.cookies.get('nself_idme')?.value, STATE_SECRET)
    if (!payload) throw new Error('no state cookie')
    // Only someone holding the state secret could do this; it shows ID.me checks the verifier.
    const wrong = await signState({ ...payload, verifier: 'x'.repeat(64) }, STATE_SECRET)
    alice.cookies.set('nself_idme', { value: wrong, path: '/api/idme/callback' })
    expect(result(await alice.app(callback.href)).get('code')).toBe('invalid_grant')
    expect(store.size).toBe(0)
  })

  it('refuses a replayed code, and the tokens it issued are revoked', async () => {
    const alice = new Browser('alice')
    const callback = await alice.startAndSignIn()
    const cookie = alice.cookies.get('nself_idme')
    if (!cookie) throw new Error('no state cookie')
    const before = issued.length
    expect(result(await alice.app(callback.href)).get('idme')).toBe('verified')
    const first = issued.slice(before)
    const verifiedAt = (await alice.status()).verifiedAt
    // The same callback again, cookie and all (a replayed request).
    alice.cookies.set('nself_idme', cookie)
    expect(result(await alice.app(callback.href)).get('code')).toBe('invalid_grant')
    expect((await alice.status()).verifiedAt).toBe(verifiedAt)
    for (const token of first) expect(stubs.servers.idme.fakeIdme.isLive(token)).toBe(false)
  })

  it('refuses a returnTo on another origin', async () => {
    const alice = new Browser('alice')
    for (const returnTo of [
      'https://evil.example/steal',
      '//evil.example/steal',
      '/\\evil.example/steal',
      'javascript:alert(1)',
      'http://localhost:3001/settings',
      '/%0d%0aLocation:%20https://evil.example',
    ]) {
      const res = await alice.app(`/api/idme/start?groups=military&returnTo=${encodeURIComponent(returnTo)}`)
      if (res.status === 302) {
        // Only a same-origin path may come through (the encoded CR/LF stays a path on this origin).
        const location = new URL(res.headers.get('location') as string)
        expect(location.origin).toBe(stubs.urls.idme)
        const payload = await verifyState(alice.cookies.get('nself_idme')?.value, STATE_SECRET)
        expect(new URL(payload?.returnTo as string, APP).origin).toBe(APP)
      } else {
        expect(res.status).toBe(400)
        expect(res.headers.get('location')).toBeNull()
        expect(res.headers.get('set-cookie')).toBeNull()
        expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST' })
      }
    }
  })

  it("a callback arriving in user B's session cannot attach user A's verification", async () => {
    const alice = new Browser('alice')
    const callback = await alice.startAndSignIn()
    // Bob's browser, without Alice's state cookie (Alice's link sent to Bob).
    const bob = new Browser('bob')
    expect(result(await bob.app(callback.href)).get('code')).toBe('state_mismatch')
    // Bob in Alice's browser (the account switched mid-flow): the cookie names Alice.
    alice.cookies.set(SESSION_COOKIE, { value: 'bob', path: '/' })
    expect(result(await alice.app(callback.href)).get('code')).toBe('state_mismatch')
    expect(store.size).toBe(0)
    expect((await bob.status()).verified).toBe(false)
  })

  it('revoke refuses a cross-origin request (CSRF)', async () => {
    const alice = new Browser('alice')
    await alice.app((await alice.startAndSignIn()).href)
    const res = await alice.app('/api/idme/revoke', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    })
    expect(res.status).toBe(403)
    expect((await alice.status()).verified).toBe(true)
    expect((await alice.app('/api/idme/revoke')).status).toBe(404)
  })

  it('a signed-out browser gets 401 from status and unauthenticated from start', async () => {
    const nobody = new Browser()
    expect((await nobody.app('/api/idme/status')).status).toBe(401)
    const start = await nobody.app('/api/idme/start?groups=military&returnTo=/settings')
    expect(start.headers.get('location')).toBe('/settings?idme=error&code=unauthenticated')
  })

  it('in production without IDME_* configured, start reports not_configured', async () => {
    const production = createIdmeRouteHandlers({ getUserId: () => 'alice', env: { NODE_ENV: 'production' } })
    const res = await production.GET(new Request(`${APP}/api/idme/start?groups=military&returnTo=/settings`))
    expect(res.headers.get('location')).toBe('/settings?idme=error&code=not_configured')
  })

  it('no response anywhere contained an access, refresh or ID token', () => {
    expect(issued.length).toBeGreaterThan(4)
    expect(seen.length).toBeGreaterThan(20)
    for (const response of seen) {
      for (const token of issued) expect(response).not.toContain(token)
      expect(response).not.toMatch(/access_token|refresh_token|id_token/)
    }
  })
})
