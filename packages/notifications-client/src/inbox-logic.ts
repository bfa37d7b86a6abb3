// Pure inbox updates shared by the React-free store and the React Query cache.
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

function weight(item: InboxNotification): InboxCounts {
  const live = item.archivedAt === null ? 1 : 0
  return {
    total: live,
    unread: live && (item.readAt === null ? 1 : 0),
    unseen: live && (item.seenAt === null ? 1 : 0),
  }
}

/** `counts` after `before` became `after` (either may be absent: created or gone). */
export function shiftCounts(
  counts: InboxCounts,
  before: InboxNotification | undefined,
  after: InboxNotification | undefined,
): InboxCounts {
  const a = before ? weight(before) : { total: 0, unread: 0, unseen: 0 }
  const b = after ? weight(after) : { total: 0, unread: 0, unseen: 0 }
  return {
    total: Math.max(0, counts.total + b.total - a.total),
    unread: Math.max(0, counts.unread + b.unread - a.unread),
    unseen: Math.max(0, counts.unseen + b.unseen - a.unseen),
  }
}

/** Whether `item` belongs in a list with `filter`. */
export function matches(item: InboxNotification, filter: InboxFilter = {}): boolean {
  if (filter.type !== undefined && item.type !== filter.type) return false
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
