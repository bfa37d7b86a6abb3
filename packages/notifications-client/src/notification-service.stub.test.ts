import { isNselfError } from '@nself/client-core'
import { startTestStubs, type TestStubs } from '@nself/server-stubs/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotificationService } from './notification-service'
import type { InboxEvent } from './wire'

let stubs: TestStubs<'notifications'>
beforeAll(async () => {
  stubs = await startTestStubs(['notifications'])
})
afterAll(() => stubs.close())

const serviceFor = (userId: string, extra: ConstructorParameters<typeof NotificationService>[0] = {}) =>
  new NotificationService({
    baseUrl: stubs.urls.notifications,
    getToken: () => stubs.token(userId),
    ...extra,
  })
const admin = () =>
  new NotificationService({
    baseUrl: stubs.urls.notifications,
    getToken: () => stubs.token('app', { role: 'service' }),
  })

function nextEvent(service: NotificationService, match: (e: InboxEvent) => boolean): Promise<InboxEvent> {
  return new Promise((resolve) => {
    const off = service.subscribe((event) => {
      if (!match(event)) return
      off()
      resolve(event)
    })
  })
}

describe('NotificationService against the stub', () => {
  it('sendNotification (the seeds’ call) reaches the recipient’s inbox, camelCased', async () => {
    const alice = serviceFor('alice')
    const result = await alice.sendNotification({
      userId: 'bob',
      type: 'message',
      title: 'New message from Alice',
      body: 'Hey, how are you?',
      channels: ['in_app', 'email'],
    })
    expect(result.duplicate).toBe(false)
    expect(result.deliveries.map((d) => [d.channel, d.errorCode])).toEqual([
      ['in_app', null],
      ['email', null],
    ])
    const page = await serviceFor('bob').listInbox()
    expect(page.notifications[0]).toMatchObject({
      id: result.id,
      userId: 'bob',
      senderId: 'alice',
      title: 'New message from Alice',
      readAt: null,
    })
    expect(page.nextCursor).toBeNull()
  })

  it('refuses a type off the allow-list with an NselfError FORBIDDEN', async () => {
    const error = await serviceFor('alice')
      .sendNotification({ userId: 'bob', type: 'billing', title: 't', body: 'b', channels: ['in_app'] })
      .catch((e: unknown) => e)
    expect(isNselfError(error) && error.code).toBe('FORBIDDEN')
  })

  it('the same idempotency key twice → one notification', async () => {
    const alice = serviceFor('alice')
    const input = {
      userId: 'idem',
      type: 'message',
      title: 't',
      body: 'b',
      channels: ['in_app' as const],
      idempotencyKey: 'x-1',
    }
    const [a, b] = [await alice.sendNotification(input), await alice.sendNotification(input)]
    expect(b).toMatchObject({ id: a.id, duplicate: true })
    expect((await serviceFor('idem').getCounts()).total).toBe(1)
  })

  it('preferences of the signed-in user ("me"), camelCased both ways', async () => {
    const carol = serviceFor('carol')
    expect(await carol.getPreferences()).toMatchObject({
      userId: 'carol',
      emailEnabled: true,
      inAppEnabled: true,
    })
    const saved = await carol.updatePreferences({
      emailEnabled: false,
      quietStart: '22:00',
      quietEnd: '07:00',
      timezone: 'Europe/Paris',
      types: { mention: { channels: { push: false } } },
    })
    expect(saved).toMatchObject({ emailEnabled: false, quietStart: '22:00', timezone: 'Europe/Paris' })
    expect(saved.types.mention?.channels?.push).toBe(false)
    const error = await carol.getPreferences('dave').catch((e: unknown) => e)
    expect(isNselfError(error) && error.code).toBe('FORBIDDEN')
  })

  it('templates and push subscriptions', async () => {
    const app = admin()
    await app.createTemplate({
      name: 'digest',
      channel: 'email',
      subjectTemplate: 'Hi {{name}}',
      htmlTemplate: '<b>{{name}}</b>',
    })
    expect((await app.listTemplates()).map((t) => t.name)).toContain('digest')
    expect(await app.renderTemplate('digest', { name: '<i>' })).toMatchObject({
      subject: 'Hi <i>',
      html: '<b>&lt;i&gt;</b>',
    })
    const erin = serviceFor('erin')
    expect(await erin.getVapidPublicKey()).toBe(stubs.servers.notifications.vapidPublicKey)
    const sub = await erin.registerPushSubscription({
      endpoint: 'https://push.example.test/erin',
      keys: {
        p256dh: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U',
        auth: 'tBHItJI5svbpez7KI4CCXg',
      },
    })
    expect((await erin.listPushSubscriptions()).map((s) => s.id)).toEqual([sub.id])
    await erin.deletePushSubscription(sub.id)
    expect(await erin.listPushSubscriptions()).toEqual([])
  })

  it('live events: created, updated and counts, on one stream', async () => {
    const frank = serviceFor('frank')
    const states: string[] = []
    const offState = frank.liveState.subscribe(() => states.push(frank.liveState.getSnapshot()))
    const first = nextEvent(frank, (e) => e.type === 'counts')
    await first
    const created = nextEvent(frank, (e) => e.type === 'created')
    const { id } = await admin().sendNotification({
      userId: 'frank',
      type: 'system',
      title: 'T',
      body: 'B',
      channels: ['in_app'],
    })
    expect(await created).toMatchObject({
      type: 'created',
      notification: { id, title: 'T' },
      counts: { unread: 1 },
    })
    const updated = nextEvent(frank, (e) => e.type === 'updated')
    await frank.markAsRead(id)
    expect(await updated).toMatchObject({ notification: { id }, counts: { unread: 0, total: 1 } })
    offState()
    expect(states).toContain('open')
    expect(frank.liveState.getSnapshot()).toBe('idle')
  })
})

describe('the inbox store', () => {
  it('applies live events and reconciles counts from the server', async () => {
    const store = serviceFor('gina').inbox()
    const changes: number[] = []
    const off = store.subscribe(() => changes.push(store.getSnapshot().counts.unread))
    await until(() => store.getSnapshot().status === 'ready')
    await admin().sendNotification({
      userId: 'gina',
      type: 'message',
      title: 'one',
      body: '',
      channels: ['in_app'],
    })
    await until(() => store.getSnapshot().notifications.length === 1)
    expect(store.getSnapshot().counts).toEqual({ unread: 1, unseen: 1, total: 1 })
    off()
  })

  it('optimistic mark-as-read rolls back when the server fails it', async () => {
    await admin().sendNotification({
      userId: 'hal',
      type: 'message',
      title: 'x',
      body: '',
      channels: ['in_app'],
    })
    // A network that fails every mark-as-read.
    const failing: typeof fetch = (input, init) =>
      String(input).endsWith('/read')
        ? Promise.resolve(
            new Response(JSON.stringify({ error: 'boom', code: 'INTERNAL_ERROR' }), {
              status: 500,
              headers: { 'content-type': 'application/json' },
            }),
          )
        : fetch(input, init)
    const store = serviceFor('hal', { fetch: failing, retry: false }).inbox()
    const seen: Array<string | null> = []
    const off = store.subscribe(() => seen.push(store.getSnapshot().notifications[0]?.readAt ?? null))
    await until(() => store.getSnapshot().notifications.length === 1)
    const id = store.getSnapshot().notifications[0]?.id ?? ''
    const pending = store.markAsRead(id)
    // Applied at once…
    expect(store.getSnapshot().notifications[0]?.readAt).not.toBeNull()
    expect(store.getSnapshot().counts.unread).toBe(0)
    const error = await pending.catch((e: unknown) => e)
    // …and rolled back when the server refused.
    expect(isNselfError(error) && error.code).toBe('INTERNAL_ERROR')
    expect(store.getSnapshot().notifications[0]?.readAt).toBeNull()
    expect(store.getSnapshot().counts.unread).toBe(1)
    expect(seen.some((v) => v !== null)).toBe(true)
    off()
  })

  it('optimistic archive succeeds and leaves the default list', async () => {
    await admin().sendNotification({
      userId: 'ivan',
      type: 'message',
      title: 'x',
      body: '',
      channels: ['in_app'],
    })
    const store = serviceFor('ivan').inbox()
    const off = store.subscribe(() => {})
    await until(() => store.getSnapshot().notifications.length === 1)
    await store.archive(store.getSnapshot().notifications[0]?.id ?? '')
    expect(store.getSnapshot().notifications).toEqual([])
    expect(store.getSnapshot().counts.total).toBe(0)
    off()
  })

  it('pages with loadMore', async () => {
    const app = admin()
    for (let i = 0; i < 5; i++)
      await app.sendNotification({
        userId: 'jo',
        type: 'message',
        title: `n${i}`,
        body: '',
        channels: ['in_app'],
      })
    const store = serviceFor('jo').inbox({}, 2)
    const off = store.subscribe(() => {})
    await until(() => store.getSnapshot().status === 'ready')
    expect(store.getSnapshot().hasMore).toBe(true)
    await store.loadMore()
    await store.loadMore()
    expect(store.getSnapshot().notifications.map((n) => n.title)).toEqual(['n4', 'n3', 'n2', 'n1', 'n0'])
    expect(store.getSnapshot().hasMore).toBe(false)
    off()
  })
})

describe('the stream cut mid-burst', () => {
  it('1,000 notifications, the connection cut twice: each seen exactly once', async () => {
    let cuts = 0
    let streamEvents = 0
    // Cuts the event stream (as a network would) after 300 and 650 events.
    const cutting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).includes('/v1/inbox/stream') || !response.body) return response
      const reader = response.body.getReader()
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read()
          if (done) return controller.close()
          streamEvents += (new TextDecoder().decode(value).match(/\nevent: notification\.created/g) ?? [])
            .length
          controller.enqueue(value)
          if ((cuts === 0 && streamEvents >= 300) || (cuts === 1 && streamEvents >= 650)) {
            cuts++
            await reader.cancel()
            controller.error(new TypeError('network cut'))
          }
        },
      })
      return new Response(body, { status: response.status, headers: response.headers })
    }
    const kim = serviceFor('kim', { fetch: cutting })
    const titles: string[] = []
    const ready = nextEvent(kim, (e) => e.type === 'counts')
    const off = kim.subscribe((e) => {
      if (e.type === 'created') titles.push(e.notification.title)
    })
    await ready
    const app = admin()
    for (let i = 0; i < 1000; i++)
      await app.sendNotification({
        userId: 'kim',
        type: 'message',
        title: `n${i}`,
        body: '',
        channels: ['in_app'],
      })
    await until(() => titles.length >= 1000, 20_000)
    off()
    expect(cuts).toBe(2)
    expect(titles).toEqual(Array.from({ length: 1000 }, (_, i) => `n${i}`))
  }, 60_000)
})

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}
