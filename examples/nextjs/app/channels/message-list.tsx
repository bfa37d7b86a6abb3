'use client'
import type { Message } from '@nself/realtime-client'
import { useEffect, useRef } from 'react'
import styles from './channels.module.css'

/** Live messages, oldest first; content is rendered as text, never as HTML. */
export function MessageList({ messages }: { messages: readonly Message[] }) {
  const end = useRef<HTMLLIElement>(null)
  const count = messages.length
  useEffect(() => {
    if (count) end.current?.scrollIntoView({ block: 'end' })
  }, [count])
  if (!count) return <p className={styles.empty}>No messages yet. Say hello!</p>
  return (
    <ol className={styles.messages} aria-label="Messages">
      {messages.map((m) => (
        <li key={m.clientMessageId ?? m.id ?? m.timestamp} data-status={m.status}>
          <strong>{m.userId}</strong>{' '}
          <time dateTime={m.timestamp}>{new Date(m.timestamp).toLocaleTimeString()}</time>
          <p>{m.content}</p>
          {m.status === 'pending' ? <small>sending…</small> : null}
          {m.status === 'failed' ? <small role="alert">not sent: {m.error?.message}</small> : null}
        </li>
      ))}
      <li ref={end} aria-hidden className={styles.end} />
    </ol>
  )
}
