'use client'
import { type PresenceStatus, usePresence, useRealtime } from '@nself/realtime-client'
import { type FormEvent, useState } from 'react'
import styles from './channels.module.css'

const STATUSES: PresenceStatus[] = ['online', 'away', 'dnd', 'invisible']

/** Your presence (`dnd` is the wire's `busy`) and a custom status that clears itself. */
export function StatusPicker({ userId }: { userId: string }) {
  const { updatePresence } = useRealtime()
  const me = usePresence(userId)
  const [status, setStatus] = useState<PresenceStatus>('online')
  const [text, setText] = useState('')
  const [minutes, setMinutes] = useState(30)
  const submit = (e: FormEvent) => {
    e.preventDefault()
    updatePresence(status, text ? { text, expiresAt: new Date(Date.now() + minutes * 60_000) } : null)
  }
  return (
    <form className={styles.status} onSubmit={submit}>
      <h2>You</h2>
      <p>
        Now: <strong>{me?.status ?? '…'}</strong>
        {me?.customStatus ? ` — ${me.customStatus}` : ''}
      </p>
      <label>
        Status{' '}
        <select value={status} onChange={(e) => setStatus(e.target.value as PresenceStatus)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s === 'dnd' ? 'do not disturb' : s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Custom status <input value={text} maxLength={100} onChange={(e) => setText(e.target.value)} />
      </label>
      <label>
        Clears after{' '}
        <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
          <option value={30}>30 minutes</option>
          <option value={60}>1 hour</option>
          <option value={240}>4 hours</option>
        </select>
      </label>
      <button type="submit">Set</button>
    </form>
  )
}
