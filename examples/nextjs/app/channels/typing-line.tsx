'use client'
import { useTyping } from '@nself/realtime-client'
import styles from './channels.module.css'

/** "Ann is typing…", "Ann and Bo are typing…", "Ann, Bo and 3 others are typing…". */
export function TypingLine({ channel }: { channel: string }) {
  const { text } = useTyping(channel)
  return (
    <p className={styles.typing} aria-live="polite">
      {text || '\u00a0'}
    </p>
  )
}
