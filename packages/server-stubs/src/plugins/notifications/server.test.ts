import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Notification, SendNotificationResponse } from '@nself/contracts/notifications'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NOTIFICATIONS_CASES, readInboxStream, runCase } from '../../../../../conformance/cases'
import { call, closedPort, tokenFor, until } from '../../../test/notifications-kit'
import { signDevToken } from '../../auth/jwt'
import { createNotificationsServer, type NotificationsServer } from './server'

const SECRET = 'notifications-test-secret'
const token = tokenFor(SECRET)
const SERVICE = token('app-server', 'service')

describe('notifications stub: the conformance cases', () => {
  let server: NotificationsServer
  beforeAll(async () => {
    server = await createNotificationsServer({ port: 0, jwtSecret: SECRET, logger: false, env: {} })
  })
  afterAll(() => server.close())
  for (const testCase of NOTIFICATIONS_CASES) {
    it(testCase.name, async () => {
      const result = await runCase(testCase, {
        urls: { notifications: server.url },
        sign: (claims) => signDevToken(claims, SECRET),
      })
      expect(result.reason).toBeUndefined()
      expect(result.status).toBe('passed')
    })
  }
})

describe('notifications stub: deliveries', () => {
  let server: NotificationsServer
  beforeAll(async () => {
    server = await createNotificationsServer({
      port: 0,
      jwtSecret: SECRET,
      logger: false,
      env: {},
      retryTimeScale: 0.001,
      clientRateLimit: { max: 5, windowMs: 60_000 },
    })
  })
  afterAll(() => server.close())

  it('email goes over SMTP to the capturing server, with title and body HTML-escaped', async () => {
    const sent = await call(server, SERVICE, 'POST', '/v1/notifications/send', {
      userId: 'carol',
      type: 'message',
      title: '<img src=x onerror=alert(1)>',
      body: 'a & b <script>',
      channels: ['email'],
    })
    expect(sent.status).toBe(201)
    const delivery = (sent.body as unknown as SendNotificationResponse).deliveries[0]
    const row = await until(
      async () =>
        (await call(server, SERVICE, 'GET', `/v1/notifications/${delivery?.id}`))
          .body as unknown as Notification,
      (r) => r.status === 'sent',
    )
    expect(row.status).toBe('sent')
    const captured = await call(server, token('carol'), 'GET', '/v1/dev/deliveries?channel=email')
    const [email] = captured.body.deliveries as Array<{ raw: string; html: string; to: string }>
    expect(email?.to).toBe('carol@users.nself.test')
    expect(email?.raw).toContain('Subject: <img src=x onerror=alert(1)>')
    expect(email?.html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(email?.html).toContain('a &amp; b &lt;script&gt;')
    expect(email?.html).not.toContain('<script>')
    // Another user sees none of carol's captured mail.
    const other = await call(server, token('dave'), 'GET', '/v1/dev/deliveries')
    expect(other.body.deliveries).toEqual([])
  })

  it('an email template renders data, escaped in HTML', async () => {
    await call(server, SERVICE, 'POST', '/v1/templates', {
      name: 'welcome',
      channel: 'email',
      subject_template: 'Welcome {{user.name}}',
      html_template: '<h1>Hello {{user.name}}</h1>',
    })
    const sent = await call(server, SERVICE, 'POST', '/v1/notifications/send', {
      userId: 'erin',
      type: 'welcome',
      title: 'ignored',
      body: 'ignored',
      channels: ['email'],
      data: { user: { name: '<b>Erin</b>' } },
    })
    expect(sent.status).toBe(201)
    const mail = await until(
      async () =>
        (await call(server, SERVICE, 'GET', '/v1/dev/deliveries?user_id=erin')).body.deliveries as Array<{
          subject: string
          html: string
        }>,
      (d) => d.length > 0,
    )
    expect(mail[0]?.subject).toBe('Welcome <b>Erin</b>')
    expect(mail[0]?.html).toBe('<h1>Hello &lt;b&gt;Erin&lt;/b&gt;</h1>')
  })

  it('the Idempotency-Key header and the body key are both honoured', async () => {
    const body = { userId: 'frank', type: 'message', title: 't', body: 'b', channels: ['in_app'] }
    const a = await fetch(`${server.url}/v1/notifications/send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SERVICE}`,
        'content-type': 'application/json',
        'idempotency-key': 'k1',
      },
      body: JSON.stringify(body),
    })
    const b = await call(server, SERVICE, 'POST', '/v1/notifications/send', { ...body, idempotencyKey: 'k1' })
    expect(a.status).toBe(201)
    expect(b.status).toBe(200)
    expect(b.body.duplicate).toBe(true)
    expect(((await a.json()) as { id: string }).id).toBe(b.body.id)
    expect((await call(server, token('frank'), 'GET', '/v1/inbox/counts')).body.total).toBe(1)
  })

  it('SMS is captured; a user token is rate-limited, a service token is not', async () => {
    const sms = await call(server, SERVICE, 'POST', '/v1/notifications/send', {
      userId: 'gina',
      type: 'security.code',
      title: 'Code',
      body: '123456',
      channels: ['sms'],
      to: { phone: '+15550101' },
      category: 'transactional',
    })
    expect(sms.status).toBe(201)
    const user = token('spammer')
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) {
      const res = await call(server, user, 'POST', '/v1/notifications/send', {
        userId: 'victim',
        type: 'message',
        title: 'hi',
        body: String(i),
        channels: ['in_app'],
      })
      statuses.push(res.status)
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429])
    const sent = await until(
      async () =>
        (await call(server, SERVICE, 'GET', '/v1/dev/deliveries?channel=sms&user_id=gina')).body
          .deliveries as unknown[],
      (d) => d.length === 1,
    )
    expect(sent).toEqual([expect.objectContaining({ to: '+15550101', text: 'Code: 123456' })])
  })

  it('per-user hourly limits: the 21st SMS in an hour fails RATE_LIMITED; transactional is exempt', async () => {
    const send = (category?: string) =>
      call(server, SERVICE, 'POST', '/v1/notifications/send', {
        userId: 'hank',
        type: 'alert',
        title: 'x',
        body: 'y',
        channels: ['sms'],
        to: { phone: '+15550102' },
        ...(category ? { category } : {}),
      })
    const ids: string[] = []
    for (let i = 0; i < 21; i++)
      ids.push(((await send()).body as unknown as SendNotificationResponse).deliveries[0]?.id ?? '')
    const exempt = ((await send('transactional')).body as unknown as SendNotificationResponse).deliveries[0]
      ?.id
    const status = (id: string | undefined) =>
      until(
        async () =>
          (await call(server, SERVICE, 'GET', `/v1/notifications/${id}`)).body as unknown as Notification,
        (r) => r.status !== 'pending',
      )
    expect((await status(ids[19])).status).toBe('sent')
    const limited = await status(ids[20])
    expect(limited.status).toBe('failed')
    expect(limited.error_code).toBe('RATE_LIMITED')
    expect((await status(exempt)).status).toBe('sent')
  })

  it('preferences: a channel turned off for a type is not delivered; quiet hours defer, not drop', async () => {
    const ivy = token('ivy')
    await call(server, ivy, 'PUT', '/v1/preferences/me', {
      types: { mention: { channels: { email: false } } },
      quiet_start: '00:00',
      quiet_end: '23:59',
      timezone: 'UTC',
    })
    const sent = await call(server, SERVICE, 'POST', '/v1/notifications/send', {
      userId: 'ivy',
      type: 'mention',
      title: 'x',
      body: 'y',
      channels: ['in_app', 'email', 'sms'],
      to: { phone: '+15550103' },
    })
    const deliveries = (sent.body as unknown as SendNotificationResponse).deliveries
    expect(deliveries.find((d) => d.channel === 'in_app')?.status).toBe('delivered')
    expect(deliveries.find((d) => d.channel === 'email')).toMatchObject({
      status: 'failed',
      error_code: 'PREFERENCE_DISABLED',
    })
    const sms = deliveries.find((d) => d.channel === 'sms')
    const now = Date.now()
    const minutesLeft = 1439 - (new Date(now).getUTCHours() * 60 + new Date(now).getUTCMinutes())
    if (minutesLeft > 0) {
      expect(sms?.status).toBe('queued')
      expect(Date.parse(sms?.next_attempt_at ?? '')).toBeGreaterThan(now)
    }
  })

  it('SMTP down → the email delivery fails after 3 attempts; the inbox keeps the notification', async () => {
    const down = await createNotificationsServer({
      port: 0,
      jwtSecret: SECRET,
      logger: false,
      env: {},
      retryTimeScale: 0.001,
      smtp: { host: '127.0.0.1', port: await closedPort() },
    })
    try {
      const sent = await call(down, SERVICE, 'POST', '/v1/notifications/send', {
        userId: 'jack',
        type: 'message',
        title: 'x',
        body: 'y',
        channels: ['in_app', 'email'],
      })
      const email = (sent.body as unknown as SendNotificationResponse).deliveries.find(
        (d) => d.channel === 'email',
      )
      const row = await until(
        async () =>
          (await call(down, SERVICE, 'GET', `/v1/notifications/${email?.id}`))
            .body as unknown as Notification,
        (r) => r.status === 'failed',
        10_000,
      )
      expect(row).toMatchObject({ status: 'failed', error_code: 'UPSTREAM_ERROR', attempts: 3 })
      const inbox = await call(down, token('jack'), 'GET', '/v1/inbox')
      expect((inbox.body.notifications as unknown[]).length).toBe(1)
    } finally {
      await down.close()
    }
  })

  it('web push: VAPID-signed, aes128gcm-encrypted request to the push service; gone subscriptions removed', async () => {
    const received: Array<{
      headers: Record<string, string | string[] | undefined>
      body: Buffer
      path: string
    }> = []
    const push = await listen((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks), path: req.url ?? '' })
        res.writeHead(req.url === '/gone' ? 410 : 201).end()
      })
    })
    try {
      const kate = token('kate')
      const keys = {
        p256dh: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U',
        auth: 'tBHItJI5svbpez7KI4CCXg',
      }
      const base = `http://127.0.0.1:${(push.address() as AddressInfo).port}`
      await call(server, kate, 'POST', '/v1/push/subscriptions', { endpoint: `${base}/ok`, keys })
      await call(server, kate, 'POST', '/v1/push/subscriptions', { endpoint: `${base}/gone`, keys })
      const sent = await call(server, SERVICE, 'POST', '/v1/notifications/send', {
        userId: 'kate',
        type: 'message',
        title: 'secret title',
        body: 'secret body',
        channels: ['push'],
      })
      const id = (sent.body as unknown as SendNotificationResponse).deliveries[0]?.id
      const row = await until(
        async () =>
          (await call(server, SERVICE, 'GET', `/v1/notifications/${id}`)).body as unknown as Notification,
        (r) => r.status !== 'pending',
      )
      expect(row.status).toBe('sent')
      expect(received.map((r) => r.path).sort()).toEqual(['/gone', '/ok'])
      const ok = received.find((r) => r.path === '/ok')
      expect(ok?.headers['content-encoding']).toBe('aes128gcm')
      expect(String(ok?.headers.authorization)).toMatch(
        new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${server.vapidPublicKey}$`),
      )
      expect(ok?.body.toString('latin1')).not.toContain('secret')
      const subs = await call(server, kate, 'GET', '/v1/push/subscriptions')
      expect((subs.body.subscriptions as Array<{ endpoint: string }>).map((s) => s.endpoint)).toEqual([
        `${base}/ok`,
      ])
    } finally {
      await new Promise((r) => push.close(r))
    }
  })

  it('bad input is a typed 400, never a crash', async () => {
    const res = await call(server, SERVICE, 'POST', '/v1/notifications/send', {
      userId: '',
      channels: ['fax'],
    })
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('VALIDATION_FAILED')
    expect((await call(server, token('x'), 'GET', '/v1/inbox?limit=1000')).status).toBe(400)
    expect((await call(server, token('x'), 'GET', '/v1/inbox?cursor=abc')).status).toBe(400)
    expect((await call(server, token('x'), 'POST', '/v1/inbox/nope/explode')).status).toBe(404)
  })
})

describe('notifications stub: the stream under faults', () => {
  let server: NotificationsServer
  beforeAll(async () => {
    server = await createNotificationsServer({ port: 0, jwtSecret: SECRET, logger: false, env: {} })
  })
  afterAll(() => server.close())

  it('cut mid-burst of 1,000 notifications and resumed with Last-Event-ID: each seen exactly once', async () => {
    const bob = token('burst-bob')
    const seen: string[] = []
    let lastId: string | undefined
    let burst: Promise<void> = Promise.resolve()
    const startBurst = async () => {
      // Not awaited: the sends run while the stream is read, cut and resumed.
      burst = (async () => {
        for (let i = 0; i < 1000; i++) {
          const res = await call(server, SERVICE, 'POST', '/v1/notifications/send', {
            userId: 'burst-bob',
            type: 'message',
            title: `n${i}`,
            body: '',
            channels: ['in_app'],
          })
          expect(res.status).toBe(201)
        }
      })()
    }
    // First connection (the burst starts once it is open): cut after 200 notifications.
    const first = await readInboxStream(
      server.url,
      bob,
      (e) => e.filter((x) => x.event === 'notification.created').length >= 200,
      20_000,
      { onOpen: startBurst },
    )
    for (const e of first) {
      lastId = e.id
      if (e.event === 'notification.created')
        seen.push((e.data as { notification: { title: string } }).notification.title)
    }
    // Resume until all 1,000 are seen.
    while (seen.length < 1000) {
      const more = await readInboxStream(
        server.url,
        bob,
        (e) =>
          seen.length + e.filter((x) => x.event === 'notification.created').length >=
          Math.min(1000, seen.length + 300),
        20_000,
        lastId ? { lastEventId: lastId } : {},
      )
      for (const e of more) {
        lastId = e.id
        if (e.event === 'notification.created')
          seen.push((e.data as { notification: { title: string } }).notification.title)
        if (e.event === 'counts') expect((e.data as { resync?: boolean }).resync).toBeUndefined()
      }
    }
    await burst
    expect(seen.length).toBe(1000)
    expect(new Set(seen).size).toBe(1000)
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => `n${i}`))
  }, 60_000)

  it('an id from another server run gets counts with resync: true', async () => {
    const events = await readInboxStream(server.url, token('zed'), (e) => e.length > 0, 5_000, {
      lastEventId: 'old.42',
    })
    expect(events[0]).toMatchObject({ event: 'counts', data: { resync: true } })
  })
})

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(handler)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}
