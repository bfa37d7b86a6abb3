'use client'
import { type InboxFilter, isNselfError, useNotifications } from '@nself/notifications-client'
import { useState } from 'react'
import styles from './notifications.module.css'
import { useNotificationService } from './use-notification-service'

const FILTERS: Array<{ status: NonNullable<InboxFilter['status']>; label: string }> = [
  { status: 'all', label: 'All' },
  { status: 'unread', label: 'Unread' },
  { status: 'archived', label: 'Archived' },
]

/** The inbox: filters, live list, read/unread/archive (optimistic), paging. */
export function Inbox() {
  const { service, userId } = useNotificationService()
  const [status, setStatus] = useState<NonNullable<InboxFilter['status']>>('all')
  const [error, setError] = useState<string | null>(null)
  const inbox = useNotifications({ service, filter: { status }, enabled: userId !== null })
  const run = (action: Promise<void>) =>
    action.catch((e: unknown) => setError(isNselfError(e) ? `${e.code}: ${e.message}` : String(e)))

  return (
    <section aria-labelledby="inbox-heading">
      <h2 id="inbox-heading">
        Inbox <span className={styles.muted}>({inbox.counts.unread} unread)</span>
      </h2>
      <div className={styles.tabs} role="tablist">
        {FILTERS.map((f) => (
          <button
            key={f.status}
            type="button"
            role="tab"
            aria-selected={status === f.status}
            onClick={() => setStatus(f.status)}
          >
            {f.label}
          </button>
        ))}
        <button type="button" onClick={() => run(inbox.markAllAsRead())} disabled={inbox.unreadCount === 0}>
          Mark all read
        </button>
      </div>
      {error && (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      )}
      {inbox.isLoading && <p className={styles.muted}>Loading…</p>}
      <ul className={styles.list} data-testid="inbox">
        {inbox.notifications.map((n) => (
          <li key={n.id} className={n.readAt ? styles.read : styles.unread} data-testid="inbox-item">
            <div>
              <span className={styles.title}>{n.title}</span>
              <span className={styles.body}>{n.body}</span>
              <span className={styles.meta}>
                {n.type} · from {n.senderId ?? 'system'} · {new Date(n.createdAt).toLocaleString()}
              </span>
            </div>
            <div className={styles.actions}>
              {n.readAt ? (
                <button type="button" onClick={() => run(inbox.act(n.id, 'unread'))}>
                  Mark unread
                </button>
              ) : (
                <button type="button" onClick={() => run(inbox.markAsRead(n.id))}>
                  Mark read
                </button>
              )}
              {n.archivedAt ? (
                <button type="button" onClick={() => run(inbox.act(n.id, 'unarchive'))}>
                  Unarchive
                </button>
              ) : (
                <button type="button" onClick={() => run(inbox.archive(n.id))}>
                  Archive
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {!inbox.isLoading && inbox.notifications.length === 0 && (
        <p className={styles.muted}>No notifications.</p>
      )}
      {inbox.hasNextPage && (
        <button type="button" disabled={inbox.isFetchingNextPage} onClick={() => void inbox.fetchNextPage()}>
          {inbox.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  )
}
