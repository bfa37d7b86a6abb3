import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, cleanup, renderHook, waitFor } from '@testing-library/react'
import { setupServer } from 'msw/node'
import type { ReactNode } from 'react'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { NotificationService } from '../notification-service'
import { createNotificationsMock } from '../testing'
import { useWebPush } from './use-web-push'

const BASE = 'http://push.react.test'
const jwt = (userId: string) => `e30.${btoa(JSON.stringify({ userId })).replace(/=+$/, '')}.sig`
const KEYS = {
  p256dh: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U',
  auth: 'tBHItJI5svbpez7KI4CCXg',
}
const mock = createNotificationsMock({ baseUrl: BASE })
const server = setupServer(...mock.handlers)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})
afterAll(() => server.close())

/** A browser with a service worker and a push manager, in memory. */
function fakeBrowser() {
  let current: { endpoint: string; toJSON(): PushSubscriptionJSON; unsubscribe(): Promise<boolean> } | null =
    null
  const listeners = new Set<(event: MessageEvent) => void>()
  const subscription = (endpoint: string) => ({
    endpoint,
    toJSON: () => ({ endpoint, keys: KEYS }),
    unsubscribe: async () => {
      current = null
      return true
    },
  })
  const pushManager = {
    getSubscription: async () => current,
    subscribe: vi.fn(async (options: PushSubscriptionOptionsInit) => {
      expect(options.userVisibleOnly).toBe(true)
      current = subscription('https://push.example.test/one')
      return current
    }),
  }
  const registration = { pushManager }
  const serviceWorker = {
    register: vi.fn(async () => registration),
    ready: Promise.resolve(registration),
    getRegistration: async () => registration,
    addEventListener: (_: string, l: (event: MessageEvent) => void) => listeners.add(l),
    removeEventListener: (_: string, l: (event: MessageEvent) => void) => listeners.delete(l),
  }
  vi.stubGlobal('navigator', { ...navigator, serviceWorker })
  vi.stubGlobal('PushManager', class {})
  vi.stubGlobal('Notification', { permission: 'default', requestPermission: async () => 'granted' })
  return {
    serviceWorker,
    rotate(endpoint: string) {
      current = subscription(endpoint)
      for (const l of listeners)
        l(
          new MessageEvent('message', {
            data: { type: 'nself:pushsubscriptionchange', subscription: current.toJSON() },
          }),
        )
    },
  }
}

describe('useWebPush', () => {
  it('is unsupported (and harmless) where the browser lacks push', () => {
    const service = new NotificationService({ baseUrl: BASE, getToken: () => jwt('max') })
    const client = new QueryClient()
    const { result } = renderHook(() => useWebPush({ service }), {
      wrapper: ({ children }: { children: ReactNode }) => (
        <QueryClientProvider client={client}>{children}</QueryClientProvider>
      ),
    })
    expect(result.current.supported).toBe(false)
    expect(result.current.permission).toBe('default')
  })

  it('subscribes with the VAPID key, registers, and re-registers on pushsubscriptionchange', async () => {
    const browser = fakeBrowser()
    const service = new NotificationService({ baseUrl: BASE, getToken: () => jwt('max') })
    const { result } = renderHook(() => useWebPush({ service, serviceWorkerUrl: '/sw.js' }))
    await waitFor(() => expect(result.current.supported).toBe(true))
    await act(() => result.current.subscribe())
    expect(browser.serviceWorker.register).toHaveBeenCalledWith('/sw.js')
    expect(result.current.subscribed).toBe(true)
    expect((await service.listPushSubscriptions()).map((s) => s.endpoint)).toEqual([
      'https://push.example.test/one',
    ])
    act(() => browser.rotate('https://push.example.test/two'))
    await waitFor(async () =>
      expect((await service.listPushSubscriptions()).map((s) => s.endpoint)).toContain(
        'https://push.example.test/two',
      ),
    )
    await act(() => result.current.unsubscribe())
    expect(result.current.subscribed).toBe(false)
    expect((await service.listPushSubscriptions()).map((s) => s.endpoint)).not.toContain(
      'https://push.example.test/two',
    )
  })
})
