import type { InboxFilter } from './wire'

const ROOT = ['nself', 'notifications'] as const

/**
 * TanStack Query keys of the notifications hooks, for `invalidateQueries`, prefetching in
 * server components, or reading the cache: `queryClient.invalidateQueries({ queryKey: notificationKeys.all })`.
 */
export const notificationKeys = {
  /** Everything of this package. */
  all: ROOT,
  /** Every inbox list. */
  lists: () => [...ROOT, 'list'] as const,
  /** One inbox list. */
  list: (filter: InboxFilter = {}) =>
    [...ROOT, 'list', { status: filter.status ?? 'all', type: filter.type ?? null }] as const,
  /** The counts (`unread`, `unseen`, `total`). */
  counts: () => [...ROOT, 'counts'] as const,
  /** A user's preferences (`me`: the signed-in user). */
  preferences: (userId = 'me') => [...ROOT, 'preferences', userId] as const,
}
