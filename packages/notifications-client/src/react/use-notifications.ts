'use client'
import { type InfiniteData, useInfiniteQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback } from 'react'
import { actOptimistically, type InboxAction, shiftCounts } from '../inbox-logic'
import type { InboxPageResult } from '../notification-service'
import { notificationKeys } from '../query-keys'
import type { InboxCounts, InboxFilter, InboxNotification } from '../wire'
import { type NotificationHookOptions, patchLists, useLiveInbox } from './use-live-inbox'
import {
  type NotificationPreferencesResult,
  useNotificationPreferences,
} from './use-notification-preferences'
import { useNotificationCounts } from './use-unread-count'

/** Options of {@link useNotifications}. */
export interface UseNotificationsOptions extends NotificationHookOptions {
  /** Which notifications to list. Default: everything not archived. */
  filter?: InboxFilter
  /** Page size (default 20). */
  pageSize?: number
}

/** What {@link useNotifications} returns. */
export interface UseNotificationsResult extends NotificationPreferencesResult {
  /** The loaded notifications, newest first, live. */
  notifications: InboxNotification[]
  /** Unread count of the whole inbox, live. */
  unreadCount: number
  /** Unread, unseen and total counts, live. */
  counts: InboxCounts
  /** Marks one read at once; rolled back (and rejected) if the server refuses. */
  markAsRead: (id: string) => Promise<void>
  /** Archives one at once; rolled back (and rejected) if the server refuses. */
  archive: (id: string) => Promise<void>
  /** Any inbox action (`read`, `unread`, `seen`, `archive`, `unarchive`), optimistic. */
  act: (id: string, action: InboxAction) => Promise<void>
  /** Marks every unread (of the filter's type) read. */
  markAllAsRead: () => Promise<void>
  fetchNextPage: () => Promise<unknown>
  hasNextPage: boolean
  isFetchingNextPage: boolean
  /** First page loading. */
  isLoading: boolean
}

type Pages = InfiniteData<InboxPageResult, string | undefined>

/**
 * The signed-in user's inbox, live over the shared event stream: the seeds' `notifications`,
 * `markAsRead`, `preferences`, `updatePreferences`, plus counts, paging and archive.
 */
export function useNotifications(options: UseNotificationsOptions = {}): UseNotificationsResult {
  const { filter = {}, pageSize = 20 } = options
  const service = useLiveInbox(options)
  const client = useQueryClient()
  const counts = useNotificationCounts(options)
  const preferences = useNotificationPreferences(options)
  const query = useInfiniteQuery({
    queryKey: notificationKeys.list(filter),
    queryFn: ({ pageParam, signal }) =>
      service.listInbox({ ...filter, limit: pageSize, signal, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    enabled: options.enabled !== false,
    staleTime: Number.POSITIVE_INFINITY,
  })

  const act = useCallback(
    (id: string, action: InboxAction) => {
      let before: InboxNotification | undefined
      for (const [, data] of client.getQueriesData<Pages>({ queryKey: notificationKeys.lists() }))
        before ??= data?.pages.flatMap((p) => p.notifications).find((n) => n.id === id)
      return actOptimistically(service, id, action, before, (item, from) => {
        patchLists(client, item)
        if (from)
          client.setQueryData<InboxCounts>(notificationKeys.counts(), (c) => c && shiftCounts(c, from, item))
      })
    },
    [client, service],
  )
  const type = filter.type
  const markAllAsRead = useCallback(async () => {
    const { counts } = await service.markAllAsRead(type ? { type } : {})
    client.setQueryData(notificationKeys.counts(), counts)
  }, [client, service, type])

  return {
    ...preferences,
    notifications: query.data?.pages.flatMap((p) => p.notifications) ?? [],
    unreadCount: counts.unread,
    counts,
    act,
    markAsRead: useCallback((id: string) => act(id, 'read'), [act]),
    archive: useCallback((id: string) => act(id, 'archive'), [act]),
    markAllAsRead,
    fetchNextPage: query.fetchNextPage,
    hasNextPage: query.hasNextPage,
    isFetchingNextPage: query.isFetchingNextPage,
    isLoading: query.isLoading,
    error: query.error ?? preferences.error,
  }
}
