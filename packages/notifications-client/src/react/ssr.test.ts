import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { NotificationService } from '../notification-service'
import { useNotifications } from './use-notifications'
import { useUnreadCount } from './use-unread-count'
import { useWebPush } from './use-web-push'

describe('server rendering', () => {
  it('renders the hooks on the server without touching browser APIs or the network', () => {
    let requests = 0
    const service = new NotificationService({
      baseUrl: 'http://never.test',
      fetch: () => {
        requests++
        return Promise.reject(new Error('no network on the server'))
      },
    })
    function Bell() {
      const count = useUnreadCount({ service })
      const { notifications } = useNotifications({ service })
      const push = useWebPush({ service })
      return createElement(
        'span',
        null,
        `${count}/${notifications.length}/${push.supported}/${push.permission}`,
      )
    }
    const html = renderToString(
      createElement(QueryClientProvider, { client: new QueryClient() }, createElement(Bell)),
    )
    expect(html).toBe('<span>0/0/false/default</span>')
    expect(requests).toBe(0)
  })
})
