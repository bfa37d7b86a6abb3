'use client'
import { useNotifications, useUnreadCount } from '@nself/notifications-client'
import Link from 'next/link'
import { useState } from 'react'
import styles from './notifications.module.css'
import { useNotificationService } from './use-notification-service'

/** The header bell: the live unread badge and a dropdown of the latest notifications. */
export function NotificationBell() {
  const { service, userId } = useNotificationService()
  const [open, setOpen] = useState(false)
  const unread = useUnreadCount({ service, enabled: userId !== null })
  if (!userId) return null
  return (
    <div className={styles.bell}>
      <button
        type="button"
        aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
        aria-expanded={open}
        data-testid="notification-bell"
        onClick={() => setOpen((o) => !o)}
      >
        <svg
          aria-hidden="true"
          width="18"
          height="18"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
        >
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 0 1-3.46 0" />
        </svg>
        {unread > 0 && (
          <span className={styles.badge} data-testid="notification-badge">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && <BellDropdown onClose={() => setOpen(false)} />}
    </div>
  )
}

function BellDropdown({ onClose }: { onClose: () => void }) {
  const { service } = useNotificationService()
  const { notifications, markAsRead, markAllAsRead, unreadCount, isLoading } = useNotifications({
    service,
    pageSize: 8,
  })
  return (
    <div className={styles.dropdown} role="dialog" aria-label="Latest notifications">
      <div className={styles.dropdownHead}>
        <strong>Notifications</strong>
        <button type="button" disabled={unreadCount === 0} onClick={() => void markAllAsRead()}>
          Mark all read
        </button>
      </div>
      {isLoading && <p className={styles.muted}>Loading…</p>}
      {!isLoading && notifications.length === 0 && <p className={styles.muted}>Nothing yet.</p>}
      <ul className={styles.list}>
        {notifications.map((n) => (
          <li key={n.id} className={n.readAt ? styles.read : styles.unread} data-testid="bell-item">
            <button type="button" onClick={() => void markAsRead(n.id).catch(() => {})}>
              {/* Text only: React escapes it; never dangerouslySetInnerHTML. */}
              <span className={styles.title}>{n.title}</span>
              <span className={styles.body}>{n.body}</span>
            </button>
          </li>
        ))}
      </ul>
      <Link href="/notifications" onClick={onClose}>
        Open the inbox
      </Link>
    </div>
  )
}
