// Inbox updates shared by the React-free store and the React Query cache.
import { toNselfError } from '@nself/client-core'
import type { NotificationService } from './notification-service'
import type { InboxCounts, InboxFilter, InboxNotification } from './wire'

/** An action on one notification. */
export type InboxAction = 'read' | 'unread' | 'seen' | 'archive' | 'unarchive'

/** The notification as the server will make it after `action` (for optimistic updates). */
export function predict(item: InboxNotification, action: InboxAction): InboxNotification {
  const now = new Date().toISOString()
  const next = { ...item }
  if (action === 'read') {
    next.readAt ??= now
    next.seenAt ??= now
  } else if (action === 'unread') next.readAt = null
  else if (action === 'seen') next.seenAt ??= now
  else if (action === 'archive') {
    next.archivedAt ??= now
    next.seenAt ??= now
  } else next.archivedAt = null
  return next
}

/** The three counts alone (without `filtered`). */
export const pickCounts = ({ unread, unseen, total }: InboxCounts): InboxCounts => ({ unread, unseen, total })

/** What `item` adds to count `key`: 1 or 0 (nothing when absent or archived). */
function weight(item: InboxNotification | undefined, key: keyof InboxCounts): number {
  if (!item || item.archivedAt !== null) return 0
  return key === 'total' || item[key === 'unread' ? 'readAt' : 'seenAt'] === null ? 1 : 0
}

/** `counts` after `before` became `after` (either may be absent: created or gone). */
export function shiftCounts(
  counts: InboxCounts,
  before: InboxNotification | undefined,
  after: InboxNotification | undefined,
): InboxCounts {
  const next = {} as InboxCounts
  for (const key of ['total', 'unread', 'unseen'] as const)
    next[key] = Math.max(0, counts[key] + weight(after, key) - weight(before, key))
  return next
}

/** Whether `item` belongs in a list with `filter`. */
export function matches(item: InboxNotification, filter: InboxFilter = {}): boolean {
  if (filter.type != null && item.type !== filter.type) return false
  const status = filter.status ?? 'all'
  if (status === 'archived') return item.archivedAt !== null
  if (item.archivedAt !== null) return false
  return status === 'all' || (status === 'unread') === (item.readAt === null)
}

/** `list` (newest first) with `item` inserted, replaced or removed as `filter` wants. */
export function merge(
  list: readonly InboxNotification[],
  item: InboxNotification,
  filter?: InboxFilter,
): InboxNotification[] {
  const rest = list.filter((n) => n.id !== item.id)
  if (!matches(item, filter)) return rest.length === list.length ? (list as InboxNotification[]) : rest
  const index = list.findIndex((n) => n.id === item.id)
  if (index !== -1) {
    const copy = list.slice()
    copy[index] = item
    return copy
  }
  const at = rest.findIndex((n) => n.createdAt < item.createdAt)
  return at === -1 ? [...rest, item] : [...rest.slice(0, at), item, ...rest.slice(at)]
}

/**
 * Applies `action` to `before` at once (`put(item, from)`: show `item`, shift the counts from
 * `from` when given), then the server's answer; if the server refuses, puts `before` back and
 * rejects with an `NselfError`.
 */
export async function actOptimistically(
  service: NotificationService,
  id: string,
  action: InboxAction,
  before: InboxNotification | undefined,
  put: (item: InboxNotification, from?: InboxNotification) => void,
): Promise<void> {
  const guess = before && predict(before, action)
  if (guess) put(guess, before)
  try {
    put(await service.act(id, action))
  } catch (error) {
    if (before && guess) put(before, guess)
    throw toNselfError(error)
  }
}
