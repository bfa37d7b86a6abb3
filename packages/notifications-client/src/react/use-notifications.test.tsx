import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react'
import { setupServer } from 'msw/node'
import type { ReactNode } from 'react'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { NotificationService } from '../notification-service'
import { notificationKeys } from '../query-keys'
import { buildInbox, createNotificationsMock } from '../testing'
import { useNotifications } from './use-notifications'
import { useUnreadCount } from './use-unread-count'

const BASE = 'http://notifications.react.test'
// An unsigned JWT: the msw handlers read the claims without verifying them.
const jwt = (userId: string) => `e30.${btoa(JSON.stringify({ userId })).replace(/=+$/, '')}.sig`

let mock = createNotificationsMock({ baseUrl: BASE })
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  cleanup()
  mock.dropStreams()
  server.resetHandlers()
})
afterAll(() => server.close())

function setup(inbox = buildInbox('ana', 25, { unread: 3 })) {
  mock = createNotificationsMock({ baseUrl: BASE, inbox })
  server.use(...mock.handlers)
  const service = new NotificationService({ baseUrl: BASE, getToken: () => jwt('ana'), retry: false })
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  )
  return { service, client, wrapper }
}

describe('useNotifications', () => {
  it('lists, pages, counts and preferences (the seeds’ names)', async () => {
    const { service, wrapper } = setup()
    const { result } = renderHook(() => useNotifications({ service, pageSize: 10 }), { wrapper })
    await waitFor(() => expect(result.current.notifications).toHaveLength(10))
    expect(result.current.unreadCount).toBe(3)
    expect(result.current.hasNextPage).toBe(true)
    await act(() => result.current.fetchNextPage())
    await waitFor(() => expect(result.current.notifications).toHaveLength(20))
    await waitFor(() => expect(result.current.preferences?.emailEnabled).toBe(true))
    await act(() => result.current.updatePreferences({ pushEnabled: false }))
    await waitFor(() => expect(result.current.preferences?.pushEnabled).toBe(false))
  })

  it('a live notification updates the list and the badge', async () => {
    const { service, wrapper } = setup([])
    const { result } = renderHook(
      () => ({ inbox: useNotifications({ service }), badge: useUnreadCount({ service }) }),
      { wrapper },
    )
    await waitFor(() => expect(service.liveState.getSnapshot()).toBe('open'))
    act(() => void mock.deliver('ana', { title: 'Live one' }))
    await waitFor(() => expect(result.current.badge).toBe(1))
    await waitFor(() => expect(result.current.inbox.notifications[0]?.title).toBe('Live one'))
  })

  it('markAsRead is optimistic and rolls back when the server fails it', async () => {
    const { service, client, wrapper } = setup(buildInbox('ana', 2))
    const { result } = renderHook(() => useNotifications({ service }), { wrapper })
    await waitFor(() => expect(result.current.unreadCount).toBe(2))
    const id = result.current.notifications[0]?.id ?? ''
    mock.failNextActions(1, 500)
    let pending: Promise<void> = Promise.resolve()
    act(() => {
      pending = result.current.markAsRead(id)
    })
    expect(client.getQueryData(notificationKeys.counts())).toMatchObject({ unread: 1 })
    await act(() => expect(pending).rejects.toMatchObject({ code: 'INTERNAL_ERROR' }))
    expect(client.getQueryData(notificationKeys.counts())).toMatchObject({ unread: 2 })
    await waitFor(() => expect(result.current.unreadCount).toBe(2))
    expect(result.current.notifications[0]?.readAt).toBeNull()
    // And succeeds the second time.
    await act(() => result.current.markAsRead(id))
    await waitFor(() => expect(result.current.notifications[0]?.readAt).not.toBeNull())
    await waitFor(() => expect(result.current.unreadCount).toBe(1))
  })

  it('archive removes from the list; markAllAsRead zeroes the badge', async () => {
    const { service, wrapper } = setup(buildInbox('ana', 3))
    const { result } = renderHook(() => useNotifications({ service }), { wrapper })
    await waitFor(() => expect(result.current.notifications).toHaveLength(3))
    await act(() => result.current.archive(result.current.notifications[0]?.id ?? ''))
    // React Query notifies observers on its own schedule, after act.
    await waitFor(() => expect(result.current.notifications).toHaveLength(2))
    await act(() => result.current.markAllAsRead())
    await waitFor(() => expect(result.current.unreadCount).toBe(0))
  })

  it('renders titles and bodies as text, never HTML', async () => {
    const { service, wrapper } = setup([])
    function Inbox() {
      const { notifications } = useNotifications({ service })
      return (
        <ul>
          {notifications.map((n) => (
            <li key={n.id} data-testid="item">
              {n.title}: {n.body}
            </li>
          ))}
        </ul>
      )
    }
    render(<Inbox />, { wrapper })
    await waitFor(() => expect(service.liveState.getSnapshot()).toBe('open'))
    act(() => void mock.deliver('ana', { title: '<img src=x onerror=alert(1)>', body: '<b>bold</b>' }))
    const item = await screen.findByTestId('item')
    expect(item.textContent).toBe('<img src=x onerror=alert(1)>: <b>bold</b>')
    expect(item.querySelector('img, b')).toBeNull()
  })
})
