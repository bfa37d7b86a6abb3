import type {
  CapturedDelivery,
  Delivery,
  Notification,
  SendNotificationResponse,
} from '@nself/contracts/notifications'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { call, closedPort, tokenFor, until } from '../../../test/notifications-kit'
import { FakeClock } from '../../clock'
import { createNotificationsServer, type NotificationsServer } from './server'

const SECRET = 'notifications-digest-secret'
const token = tokenFor(SECRET)
const SERVICE = token('app-server', 'service')
/** A Wednesday, 10:20 UTC. */
const START = Date.UTC(2026, 0, 14, 10, 20)
const at = (iso: string) => Date.parse(iso)

/** Real time for a wrongly started delivery to reach the capture list. */
const grace = () => new Promise((r) => setTimeout(r, 150))

function client(server: NotificationsServer) {
  return {
    prefs: async (userId: string, update: Record<string, unknown>) => {
      const res = await call(server, token(userId), 'PUT', '/v1/preferences/me', update)
      expect(res.status).toBe(200)
    },
    send: async (
      userId: string,
      title: string,
      body: string,
      extra: Record<string, unknown> = {},
    ): Promise<SendNotificationResponse> => {
      const res = await call(server, SERVICE, 'POST', '/v1/notifications/send', {
        userId,
        type: 'message',
        title,
        body,
        channels: ['in_app', 'email'],
        ...extra,
      })
      expect(res.status).toBe(201)
      return res.body as unknown as SendNotificationResponse
    },
    captured: async (userId: string, channel = 'email') =>
      (await call(server, SERVICE, 'GET', `/v1/dev/deliveries?channel=${channel}&user_id=${userId}`)).body
        .deliveries as CapturedDelivery[],
    row: async (id: string) =>
      (await call(server, SERVICE, 'GET', `/v1/notifications/${id}`)).body as unknown as Notification,
  }
}

const emailOf = (sent: SendNotificationResponse): Delivery => {
  const delivery = sent.deliveries.find((d) => d.channel !== 'in_app')
  if (!delivery) throw new Error('no delivery besides in_app')
  return delivery
}

describe('notifications stub: digests (fake clock)', () => {
  let clock: FakeClock
  let server: NotificationsServer
  let api: ReturnType<typeof client>
  beforeEach(async () => {
    clock = new FakeClock(START)
    server = await createNotificationsServer({ port: 0, jwtSecret: SECRET, logger: false, env: {}, clock })
    api = client(server)
  })
  afterEach(() => server.close())

  it('hourly: three notifications are held, then go out as one email listing all three', async () => {
    await api.prefs('dana', { frequency: 'hourly' })
    const sent = [
      await api.send('dana', 'Alice mentioned you', 'in #general\nsee the thread'),
      await api.send('dana', 'Build <failed>', 'see <script>alert(1)</script>'),
      await api.send('dana', 'Lunch & learn', ''),
    ]
    const held = sent.map(emailOf)
    const digestId = held[0]?.digest_id
    expect(digestId).toEqual(expect.any(String))
    for (const delivery of held)
      expect(delivery).toMatchObject({
        status: 'queued',
        next_attempt_at: '2026-01-14T11:00:00.000Z',
        digest_id: digestId,
        attempts: 0,
      })
    // The inbox is not held.
    for (const s of sent) expect(s.deliveries.find((d) => d.channel === 'in_app')?.status).toBe('delivered')
    const inbox = await call(server, token('dana'), 'GET', '/v1/inbox')
    expect((inbox.body.notifications as unknown[]).length).toBe(3)

    await clock.setTime(at('2026-01-14T10:59:59.999Z'))
    await grace()
    expect(await api.captured('dana')).toEqual([])
    expect((await api.row(held[0]?.id ?? '')).status).toBe('queued')

    await clock.setTime(at('2026-01-14T11:00:00Z'))
    const originals = await until(
      () => Promise.all(held.map((d) => api.row(d.id))),
      (rows) => rows.every((r) => r.status === 'sent'),
    )
    for (const row of originals)
      expect(row).toMatchObject({
        status: 'sent',
        digest_id: digestId,
        sent_at: '2026-01-14T11:00:00.000Z',
        attempts: 1,
        error: null,
        next_attempt_at: null,
      })
    const mails = await api.captured('dana')
    expect(mails).toHaveLength(1)
    const [mail] = mails
    expect(mail).toMatchObject({
      to: 'dana@users.nself.test',
      delivery_id: digestId,
      subject: 'You have 3 new notifications',
    })
    expect(mail?.raw).toContain('Subject: You have 3 new notifications')
    const text = mail?.text ?? ''
    const order = ['Alice mentioned you', '  see the thread', 'Build <failed>', '<script>', 'Lunch & learn']
    const positions = order.map((s) => text.indexOf(s))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(mail?.html).toContain('<li><strong>Build &lt;failed&gt;</strong><br>see &lt;script&gt;')
    expect(mail?.html).toContain('in #general<br>see the thread')
    expect(mail?.html).toContain('Lunch &amp; learn')
    expect(mail?.html).not.toContain('<script>')
    const digest = await api.row(digestId ?? '')
    expect(digest).toMatchObject({
      channel: 'email',
      user_id: 'dana',
      status: 'sent',
      digest_id: null,
      digest_items: held.map((d) => d.id),
    })
    // The user sees the digest among their own deliveries.
    const own = await call(server, token('dana'), 'GET', '/v1/notifications?channel=email')
    expect((own.body.notifications as Notification[]).map((n) => n.id)).toContain(digestId)

    // What arrives after the boundary starts the next digest.
    await clock.setTime(at('2026-01-14T11:05:00Z'))
    const next = emailOf(await api.send('dana', 'Later', 'one more'))
    expect(next).toMatchObject({ status: 'queued', next_attempt_at: '2026-01-14T12:00:00.000Z' })
    expect(next.digest_id).not.toBe(digestId)
    await grace()
    expect(await api.captured('dana')).toHaveLength(1)
  })

  it('daily in the user’s time zone: one digest at local midnight; other types stay immediate', async () => {
    await api.prefs('nina', { timezone: 'America/New_York', types: { mention: { frequency: 'daily' } } })
    const mentions = [
      emailOf(await api.send('nina', 'Mention one', 'a', { type: 'mention' })),
      emailOf(await api.send('nina', 'Mention two', 'b', { type: 'mention' })),
    ]
    // Midnight in New York (UTC−5 in January).
    for (const m of mentions) expect(m.next_attempt_at).toBe('2026-01-15T05:00:00.000Z')
    const message = emailOf(await api.send('nina', 'Direct message', 'c'))
    expect(message.digest_id).toBeNull()
    await until(
      () => api.captured('nina'),
      (d) => d.length === 1,
    )

    await clock.setTime(at('2026-01-15T04:59:59.999Z'))
    await grace()
    expect((await api.captured('nina')).map((m) => m.subject)).toEqual(['Direct message'])

    await clock.setTime(at('2026-01-15T05:00:00Z'))
    const mails = await until(
      () => api.captured('nina'),
      (d) => d.length > 1,
    )
    expect(mails.map((m) => m.subject)).toEqual(['Direct message', 'You have 2 new notifications'])
    expect(mails[1]?.text).toContain('- Mention one\n  a')
    expect(mails[1]?.text).toContain('- Mention two\n  b')
    const rows = await until(
      () => Promise.all(mentions.map((m) => api.row(m.id))),
      (r) => r.every((x) => x.status === 'sent'),
    )
    for (const row of rows)
      expect(row).toMatchObject({ digest_id: mails[1]?.delivery_id, sent_at: '2026-01-15T05:00:00.000Z' })
  })

  it('immediate users and transactional notifications are sent one by one, at once', async () => {
    const first = emailOf(await api.send('ivan', 'First', '1'))
    const second = emailOf(await api.send('ivan', 'Second', '2'))
    await api.prefs('olga', { frequency: 'hourly' })
    const code = emailOf(
      await api.send('olga', 'Your code', '123456', { type: 'security.code', category: 'transactional' }),
    )
    for (const d of [first, second, code]) expect(d).toMatchObject({ status: 'pending', digest_id: null })
    const mails = await until(
      () => api.captured('ivan'),
      (d) => d.length === 2,
    )
    // Two separate emails (they may reach the SMTP server in either order).
    expect(mails.map((m) => `${m.subject}:${m.delivery_id}`).sort()).toEqual([
      `First:${first.id}`,
      `Second:${second.id}`,
    ])
    expect(
      (
        await until(
          () => api.captured('olga'),
          (d) => d.length === 1,
        )
      ).map((m) => m.subject),
    ).toEqual(['Your code'])
    const rows = await until(
      () => Promise.all([first, second, code].map((d) => api.row(d.id))),
      (r) => r.every((x) => x.status === 'sent'),
    )
    for (const row of rows) expect(row).toMatchObject({ status: 'sent', digest_id: null, digest_items: null })
  })

  it('a digest of one, on the hour of a half-hour time zone', async () => {
    await api.prefs('ravi', { frequency: 'hourly', timezone: 'Asia/Kolkata' })
    // 10:20 UTC is 15:50 in Kolkata (UTC+5:30): the local hour ends at 10:30 UTC.
    const held = emailOf(await api.send('ravi', 'Only one', 'just this'))
    expect(held.next_attempt_at).toBe('2026-01-14T10:30:00.000Z')
    await clock.setTime(at('2026-01-14T10:30:00Z'))
    const [mail, ...more] = await until(
      () => api.captured('ravi'),
      (d) => d.length > 0,
    )
    expect(more).toEqual([])
    expect(mail?.subject).toBe('You have 1 new notification')
    expect(mail?.text).toBe('You have 1 new notification\n\n- Only one\n  just this')
    expect(
      await until(
        () => api.row(held.id),
        (r) => r.status === 'sent',
      ),
    ).toMatchObject({ status: 'sent', digest_id: mail?.delivery_id })
  })

  it('a boundary inside quiet hours waits for their end; what arrives meanwhile joins the digest', async () => {
    await api.prefs('quinn', {
      frequency: 'hourly',
      quiet_start: '10:30',
      quiet_end: '12:15',
      timezone: 'UTC',
    })
    const early = emailOf(await api.send('quinn', 'Before quiet', 'x'))
    expect(early.next_attempt_at).toBe('2026-01-14T12:15:00.000Z')
    await clock.setTime(at('2026-01-14T11:30:00Z'))
    const during = emailOf(await api.send('quinn', 'During quiet', 'y'))
    expect(during).toMatchObject({ next_attempt_at: '2026-01-14T12:15:00.000Z', digest_id: early.digest_id })
    await clock.setTime(at('2026-01-14T12:14:59.999Z'))
    await grace()
    expect(await api.captured('quinn')).toEqual([])
    await clock.setTime(at('2026-01-14T12:15:00Z'))
    const mails = await until(
      () => api.captured('quinn'),
      (d) => d.length > 0,
    )
    expect(mails.map((m) => m.subject)).toEqual(['You have 2 new notifications'])
  })

  it('hourly limits count a digest as one delivery, and a digest over the limit fails RATE_LIMITED', async () => {
    const sms = (userId: string, i: number) =>
      api.send(userId, `Alert ${i}`, '', { type: 'alert', channels: ['sms'], to: { phone: '+15550199' } })
    await api.prefs('sam', { frequency: 'hourly' })
    const held: Delivery[] = []
    for (let i = 0; i < 25; i++) held.push(emailOf(await sms('sam', i)))
    await clock.setTime(at('2026-01-14T11:00:00Z'))
    const [text, ...more] = await until(
      () => api.captured('sam', 'sms'),
      (d) => d.length > 0,
    )
    expect(more).toEqual([])
    expect(text?.text?.split('\n')).toEqual([
      'You have 25 new notifications',
      ...Array.from({ length: 25 }, (_, i) => `- Alert ${i}`),
    ])
    for (const d of held) expect((await api.row(d.id)).status).toBe('sent')

    // 20 SMS at 11:30 use up the limit; the digest due at 12:00 is refused.
    await clock.setTime(at('2026-01-14T11:30:00Z'))
    for (let i = 0; i < 20; i++) expect(emailOf(await sms('tara', i)).status).toBe('pending')
    await api.prefs('tara', { frequency: 'hourly' })
    const late = emailOf(await sms('tara', 20))
    await clock.setTime(at('2026-01-14T12:00:00Z'))
    expect(await api.row(late.id)).toMatchObject({
      status: 'failed',
      error_code: 'RATE_LIMITED',
      digest_id: late.digest_id,
    })
    expect(await api.captured('tara', 'sms')).toHaveLength(20)
  })
})

describe('notifications stub: a digest when SMTP is down (fake clock)', () => {
  it('retries the one digest email, then marks it and every notification in it failed', async () => {
    const clock = new FakeClock(START)
    const server = await createNotificationsServer({
      port: 0,
      jwtSecret: SECRET,
      logger: false,
      env: {},
      clock,
      smtp: { host: '127.0.0.1', port: await closedPort() },
    })
    try {
      const api = client(server)
      await api.prefs('uma', { frequency: 'hourly' })
      const held = [emailOf(await api.send('uma', 'One', '1')), emailOf(await api.send('uma', 'Two', '2'))]
      const digestId = held[0]?.digest_id ?? ''
      await clock.setTime(at('2026-01-14T11:00:00Z'))
      for (const attempt of [1, 2]) {
        const digest = await until(
          () => api.row(digestId),
          (r) => r.attempts === attempt && r.next_attempt_at !== null,
        )
        expect(digest).toMatchObject({ status: 'pending', attempts: attempt, error: expect.any(String) })
        // The notifications it carries say so too.
        for (const d of held)
          expect(await api.row(d.id)).toMatchObject({
            status: 'pending',
            attempts: attempt,
            next_attempt_at: digest.next_attempt_at,
          })
        await clock.advance(Date.parse(digest.next_attempt_at ?? '') - clock.now())
      }
      const digest = await until(
        () => api.row(digestId),
        (r) => r.status === 'failed',
      )
      expect(digest).toMatchObject({ status: 'failed', error_code: 'UPSTREAM_ERROR', attempts: 3 })
      for (const d of held)
        expect(await api.row(d.id)).toMatchObject({
          status: 'failed',
          error_code: 'UPSTREAM_ERROR',
          attempts: 3,
          digest_id: digestId,
          next_attempt_at: null,
        })
      expect(await api.captured('uma')).toEqual([])
      const inbox = await call(server, token('uma'), 'GET', '/v1/inbox')
      expect((inbox.body.notifications as unknown[]).length).toBe(2)
    } finally {
      await server.close()
    }
  })
})
