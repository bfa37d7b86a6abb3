'use client'
import { useQuery } from '@tanstack/react-query'
import { pickCounts } from '../inbox-logic'
import { notificationKeys } from '../query-keys'
import type { InboxCounts } from '../wire'
import { type NotificationHookOptions, useLiveInbox } from './use-live-inbox'

const ZERO: InboxCounts = { unread: 0, unseen: 0, total: 0 }

/** The inbox counts, live; `{ unread: 0, unseen: 0, total: 0 }` until loaded. */
export function useNotificationCounts(options: NotificationHookOptions = {}): InboxCounts {
  const service = useLiveInbox(options)
  const { data } = useQuery({
    queryKey: notificationKeys.counts(),
    queryFn: async ({ signal }) => pickCounts(await service.getCounts({ signal })),
    enabled: options.enabled !== false,
    staleTime: Number.POSITIVE_INFINITY,
  })
  return data ?? ZERO
}

/** The unread count for a badge, pushed live (0 until loaded and on the server). */
export function useUnreadCount(options: NotificationHookOptions = {}): number {
  return useNotificationCounts(options).unread
}
