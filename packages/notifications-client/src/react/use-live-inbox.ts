'use client'
import { type InfiniteData, type QueryClient, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { getDefaultNotificationService } from '../default-service'
import { merge } from '../inbox-logic'
import type { InboxPageResult, NotificationService } from '../notification-service'
import { notificationKeys } from '../query-keys'
import type { InboxEvent, InboxFilter, InboxNotification } from '../wire'

/** Options every notifications hook takes. */
export interface NotificationHookOptions {
  /** The service to use. Default: one shared service configured by `NselfProvider`. */
  service?: NotificationService
  /** `false` pauses fetching and the live connection (e.g. while signed out). Default `true`. */
  enabled?: boolean
}

type Pages = InfiniteData<InboxPageResult, string | undefined>

/** Replaces or inserts `item` in every cached list, as each list's filter wants. */
export function patchLists(client: QueryClient, item: InboxNotification): void {
  for (const [key, data] of client.getQueriesData<Pages>({ queryKey: notificationKeys.lists() })) {
    if (!data) continue
    // The list's filter, as `notificationKeys.list` stored it (`type: null` = any type).
    const filter = (key[3] ?? {}) as InboxFilter
    const where = data.pages.findIndex((p) => p.notifications.some((n) => n.id === item.id))
    const target = where === -1 ? 0 : where
    const pages = data.pages.map((page, i) =>
      i === target ? { ...page, notifications: merge(page.notifications, item, filter) } : page,
    )
    client.setQueryData<Pages>(key, { ...data, pages })
  }
}

/** Applies one live event to the cache (idempotent, so several hooks may apply the same event). */
function apply(client: QueryClient, event: InboxEvent): void {
  client.setQueryData(notificationKeys.counts(), event.counts)
  if (event.type !== 'counts') patchLists(client, event.notification)
  else if (event.resync) void client.invalidateQueries({ queryKey: notificationKeys.lists() })
}

/** Keeps the React Query cache live while mounted; returns the service in use. */
export function useLiveInbox(options: NotificationHookOptions): NotificationService {
  const service = options.service ?? getDefaultNotificationService()
  const client = useQueryClient()
  const enabled = options.enabled !== false
  useEffect(
    () => (enabled ? service.subscribe((event) => apply(client, event)) : undefined),
    [service, client, enabled],
  )
  return service
}
