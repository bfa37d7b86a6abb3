'use client'
import { usePresence } from '@nself/realtime-client'
import styles from './channels.module.css'

/** A member's initials with their presence; re-renders only when this user's presence changes. */
export function PresenceAvatar({ userId }: { userId: string }) {
  const presence = usePresence(userId)
  const status = presence?.status ?? 'offline'
  const custom = [presence?.customEmoji, presence?.customStatus].filter(Boolean).join(' ')
  return (
    <span
      className={styles.avatar}
      title={`${userId}: ${status}${custom ? ` — ${custom}` : ''}`}
      data-status={status}
    >
      <span className={styles.initials}>{userId.slice(0, 2).toUpperCase()}</span>
      <span className={styles.presence} aria-hidden />
      <span className={styles.visuallyHidden}>{status}</span>
      <span className={styles.name}>
        {userId}
        {custom ? <small> {custom}</small> : null}
      </span>
    </span>
  )
}
