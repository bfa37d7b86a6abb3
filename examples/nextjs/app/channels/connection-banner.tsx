'use client'
import { useConnectionStatus } from '@nself/realtime-client'
import { useEffect, useState } from 'react'
import styles from './channels.module.css'

/** Says when the connection is not live, when it retries, and how many messages wait to be sent. */
export function ConnectionBanner() {
  const { status, attempt, nextRetryAt, lastError, outbox } = useConnectionStatus()
  const now = useNow(status === 'reconnecting' && nextRetryAt !== null)
  const waiting =
    outbox.size > 0 ? ` ${outbox.size} message${outbox.size === 1 ? '' : 's'} waiting to be sent.` : ''
  if (status === 'connected' && !waiting) return null
  let text: string
  if (status === 'connected') text = 'Sending…'
  else if (status === 'reconnecting') {
    const inS = nextRetryAt === null ? 0 : Math.max(0, Math.ceil((nextRetryAt - now) / 1000))
    text = `Reconnecting${attempt ? ` (attempt ${attempt}` : ''}${attempt && inS ? `, next try in ${inS} s)` : attempt ? ')' : ''}…`
  } else if (status === 'offline')
    text = 'You are offline. Messages will be sent when the connection is back.'
  else if (status === 'error')
    text = `Cannot connect: ${lastError?.code ?? 'error'} — ${lastError?.message ?? ''}`
  else text = 'Connecting…'
  return (
    <p className={styles.banner} data-status={status} role="status" aria-live="polite">
      {text}
      {waiting}
    </p>
  )
}

/** The current time, ticking every second while `active` (for the retry countdown). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), 1_000)
    return () => clearInterval(timer)
  }, [active])
  return now
}
