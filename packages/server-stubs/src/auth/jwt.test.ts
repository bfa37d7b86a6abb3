import { ErrorBodySchema } from '@nself/contracts'
import { decodeJwt, jwtVerify, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  actingUserId,
  createNotificationsServer,
  DEV_JWT_SECRET,
  HttpError,
  json,
  type NotificationsServer,
  parseBearer,
  parseDurationSeconds,
  resolveJwtSecret,
  signDevToken,
  verifyToken,
} from '../index'

const SECRET = 'jwt-test-secret'
const key = new TextEncoder().encode(SECRET)

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(HttpError)
  return error as HttpError
}

describe('signDevToken / verifyToken', () => {
  it('round-trips the claims, with a 1 h default lifetime and a random sessionId', async () => {
    const token = signDevToken({ userId: 'alice', role: 'admin' }, SECRET)
    const claims = await verifyToken(token, SECRET)
    expect(claims).toMatchObject({ userId: 'alice', role: 'admin' })
    expect(claims.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600)
    expect(Math.abs((claims.iat ?? 0) - Date.now() / 1000)).toBeLessThan(5)
  })

  it('signs standard HS256 that jose verifies (interoperable with the real plugins)', async () => {
    const token = signDevToken({ userId: 'bob', sessionId: 's1', expiresIn: '2h' }, SECRET)
    const { payload, protectedHeader } = await jwtVerify(token, key, { algorithms: ['HS256'] })
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(payload).toMatchObject({ userId: 'bob', sessionId: 's1', sub: 'bob' })
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(7200)
  })

  it('accepts a token signed elsewhere with the same secret and claims', async () => {
    const token = await new SignJWT({ userId: 'carol', sessionId: 'abc', role: 'service' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(key)
    expect(await verifyToken(token, SECRET)).toMatchObject({
      userId: 'carol',
      sessionId: 'abc',
      role: 'service',
    })
  })

  it('expiresIn null gives a token without exp', async () => {
    const token = signDevToken({ userId: 'dave', expiresIn: null }, SECRET)
    expect(decodeJwt(token).exp).toBeUndefined()
    expect((await verifyToken(token, SECRET)).userId).toBe('dave')
  })

  it('expired → TOKEN_EXPIRED (401)', async () => {
    const error = await rejection(
      verifyToken(signDevToken({ userId: 'alice', expiresIn: -10 }, SECRET), SECRET),
    )
    expect(error.code).toBe('TOKEN_EXPIRED')
    expect(error.status).toBe(401)
  })

  it('another secret (forged) → INVALID_TOKEN', async () => {
    const forged = signDevToken({ userId: 'alice', role: 'service' }, 'attacker-secret')
    expect((await rejection(verifyToken(forged, SECRET))).code).toBe('INVALID_TOKEN')
  })

  it('tampered payload → INVALID_TOKEN', async () => {
    const [header, , signature] = signDevToken({ userId: 'alice' }, SECRET).split('.')
    const payload = Buffer.from(JSON.stringify({ userId: 'mallory', exp: 9_999_999_999 })).toString(
      'base64url',
    )
    expect((await rejection(verifyToken(`${header}.${payload}.${signature}`, SECRET))).code).toBe(
      'INVALID_TOKEN',
    )
  })

  it('alg "none" and other algorithms → INVALID_TOKEN', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"userId":"alice"}').toString('base64url')}.`
    expect((await rejection(verifyToken(none, SECRET))).code).toBe('INVALID_TOKEN')
    const hs512 = await new SignJWT({ userId: 'alice' }).setProtectedHeader({ alg: 'HS512' }).sign(key)
    expect((await rejection(verifyToken(hs512, SECRET))).code).toBe('INVALID_TOKEN')
  })

  it('no userId claim → INVALID_TOKEN; garbage → INVALID_TOKEN', async () => {
    const noUser = await new SignJWT({ sessionId: 's' }).setProtectedHeader({ alg: 'HS256' }).sign(key)
    const error = await rejection(verifyToken(noUser, SECRET))
    expect(error.code).toBe('INVALID_TOKEN')
    expect(error.message).toMatch(/userId/)
    expect((await rejection(verifyToken('garbage', SECRET))).code).toBe('INVALID_TOKEN')
  })

  it('rejects a token without userId at signing', () => {
    expect(() => signDevToken({ userId: '' }, SECRET)).toThrow(/userId/)
  })
})

describe('parseDurationSeconds', () => {
  it.each([
    ['90', 90],
    ['30s', 30],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604_800],
    ['2 weeks', 1_209_600],
    ['-10s', -10],
    [45, 45],
  ] as const)('%s → %i', (input, seconds) => {
    expect(parseDurationSeconds(input)).toBe(seconds)
  })
  it('rejects nonsense', () => {
    expect(() => parseDurationSeconds('soon')).toThrow(RangeError)
    expect(() => parseDurationSeconds('1 fortnight')).toThrow(RangeError)
  })
})

describe('resolveJwtSecret', () => {
  it('option, then the plugin variable, then NSELF_JWT_SECRET, then the development default', () => {
    const env = {
      REALTIME_JWT_SECRET: 'rt',
      NOTIFICATIONS_JWT_SECRET: 'nt',
      JOBS_JWT_SECRET: 'jb',
      FILE_PROCESSING_JWT_SECRET: 'fp',
      IDME_JWT_SECRET: 'id',
      NSELF_JWT_SECRET: 'shared',
    }
    expect(resolveJwtSecret('realtime', 'opt', env)).toEqual({ secret: 'opt', source: 'option' })
    expect(resolveJwtSecret('realtime', undefined, env)).toEqual({
      secret: 'rt',
      source: 'plugin-env',
      envName: 'REALTIME_JWT_SECRET',
    })
    expect(resolveJwtSecret('notifications', undefined, env).secret).toBe('nt')
    expect(resolveJwtSecret('jobs', undefined, env).secret).toBe('jb')
    expect(resolveJwtSecret('files', undefined, env).envName).toBe('FILE_PROCESSING_JWT_SECRET')
    expect(resolveJwtSecret('idme', undefined, env).secret).toBe('id')
    expect(resolveJwtSecret('jobs', undefined, { NSELF_JWT_SECRET: 'shared', JOBS_JWT_SECRET: '' })).toEqual({
      secret: 'shared',
      source: 'shared-env',
      envName: 'NSELF_JWT_SECRET',
    })
    expect(resolveJwtSecret('jobs', undefined, {})).toEqual({
      secret: DEV_JWT_SECRET,
      source: 'development-default',
    })
  })
})

describe('parseBearer and actingUserId', () => {
  it('parses Bearer headers', () => {
    expect(parseBearer(undefined)).toBeUndefined()
    expect(parseBearer('Bearer abc.def.ghi')).toBe('abc.def.ghi')
    expect(parseBearer('bearer   xyz ')).toBe('xyz')
    expect(() => parseBearer('Basic dXNlcjpwdw==')).toThrow(HttpError)
  })

  it('the user is the token user; another id needs role service', () => {
    const alice = { userId: 'alice', isService: false }
    expect(actingUserId(alice)).toBe('alice')
    expect(actingUserId(alice, 'alice')).toBe('alice')
    expect(() => actingUserId(alice, 'bob')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN', status: 403 }),
    )
    expect(actingUserId({ userId: 'worker', role: 'service', isService: true }, 'bob')).toBe('bob')
  })
})

describe('Bearer authentication on HTTP routes', () => {
  let server: NotificationsServer

  beforeAll(async () => {
    server = await createNotificationsServer({
      port: 0,
      logger: false,
      // The plugin's own variable wins over the shared one.
      env: { NOTIFICATIONS_JWT_SECRET: SECRET, NSELF_JWT_SECRET: 'shared-secret' },
    })
    server.router.get('/test/me', (ctx) => json(ctx.requireUser()))
    server.router.get('/test/prefs', (ctx) =>
      json({ userId: actingUserId(ctx.requireUser(), ctx.query.get('user_id')) }),
    )
  })
  afterAll(() => server.close())

  async function get(path: string, authorization?: string) {
    const res = await fetch(`${server.url}${path}`, authorization ? { headers: { authorization } } : {})
    return { res, body: (await res.json()) as Record<string, unknown> }
  }

  it('no token → 401 UNAUTHENTICATED with WWW-Authenticate', async () => {
    const { res, body } = await get('/test/me')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_request"')
    expect(body).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' })
  })

  it('wrong scheme, forged, expired and other-secret tokens are rejected with typed bodies', async () => {
    const cases: Array<[string, string]> = [
      ['Basic dXNlcjpwdw==', 'INVALID_TOKEN'],
      [`Bearer ${signDevToken({ userId: 'alice' }, 'forger')}`, 'INVALID_TOKEN'],
      [`Bearer ${signDevToken({ userId: 'alice' }, 'shared-secret')}`, 'INVALID_TOKEN'],
      [`Bearer ${signDevToken({ userId: 'alice', expiresIn: -1 }, SECRET)}`, 'TOKEN_EXPIRED'],
    ]
    for (const [authorization, code] of cases) {
      const { res, body } = await get('/test/me', authorization)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
      expect(ErrorBodySchema.safeParse(body).success).toBe(true)
      expect(body.code).toBe(code)
    }
  })

  it('a valid token → the handler sees the token user', async () => {
    const { res, body } = await get(
      '/test/me',
      `Bearer ${signDevToken({ userId: 'alice', sessionId: 's9' }, SECRET)}`,
    )
    expect(res.status).toBe(200)
    expect(body).toEqual({ userId: 'alice', sessionId: 's9', isService: false })
  })

  it('a query user id is refused unless the token is a service token', async () => {
    const alice = `Bearer ${signDevToken({ userId: 'alice' }, SECRET)}`
    expect((await get('/test/prefs?user_id=alice', alice)).body).toEqual({ userId: 'alice' })
    const other = await get('/test/prefs?user_id=bob', alice)
    expect(other.res.status).toBe(403)
    expect(other.body.code).toBe('FORBIDDEN')
    const service = `Bearer ${signDevToken({ userId: 'worker', role: 'service' }, SECRET)}`
    expect((await get('/test/prefs?user_id=bob', service)).body).toEqual({ userId: 'bob' })
  })
})
