import { configureNself } from '@nself/client-core'
import { startTestStubs, type TestStubs } from '@nself/server-stubs/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fakeLocks } from '../../client-core/test/fake-locks'
import { NotificationService } from './notification-service'

let stubs: TestStubs<'notifications'>
beforeAll(async () => {
  stubs = await startTestStubs(['notifications'])
})
afterAll(() => stubs.close())

describe('one event stream per browser, shared across tabs', () => {
  it('the leader tab holds the stream and relays events; a follower takes over with Last-Event-ID', async () => {
    const locks = fakeLocks()
    vi.stubGlobal('navigator', { locks })
    const streams: Array<string | null> = []
    const counting: typeof fetch = (input, init) => {
      if (String(input).includes('/v1/inbox/stream'))
        streams.push(new Headers(init?.headers).get('last-event-id'))
      return fetch(input, init)
    }
    configureNself({})
    try {
      const tab = () =>
        new NotificationService({
          baseUrl: stubs.urls.notifications,
          getToken: () => stubs.token('lena'),
          fetch: counting,
        })
      const [a, b] = [tab(), tab()]
      const seenA: string[] = []
      const seenB: string[] = []
      const offA = a.subscribe((e) => e.type === 'created' && seenA.push(e.notification.title))
      const offB = b.subscribe((e) => e.type === 'created' && seenB.push(e.notification.title))
      const app = new NotificationService({
        baseUrl: stubs.urls.notifications,
        getToken: () => stubs.token('app', { role: 'service' }),
      })
      await waitFor(() => a.liveState.getSnapshot() === 'open')
      await app.sendNotification({
        userId: 'lena',
        type: 'message',
        title: 'first',
        body: '',
        channels: ['in_app'],
      })
      await waitFor(() => seenA.length === 1 && seenB.length === 1)
      expect(streams).toHaveLength(1)
      // The leader tab closes: the other one opens the stream, resuming after the last event.
      offA()
      await waitFor(() => streams.length === 2)
      expect(streams[1]).toMatch(/\.1$/)
      await app.sendNotification({
        userId: 'lena',
        type: 'message',
        title: 'second',
        body: '',
        channels: ['in_app'],
      })
      await waitFor(() => seenB.length === 2)
      expect(seenB).toEqual(['first', 'second'])
      offB()
    } finally {
      vi.unstubAllGlobals()
    }
  })
})

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}
