'use client'
import { isNselfError, type Message, type SendOptions, useTyping } from '@nself/realtime-client'
import { type FormEvent, useState } from 'react'
import styles from './channels.module.css'

/** The message box: says "typing" while typing (stopped on send, empty input, blur, channel switch). */
export function Composer({
  channel,
  send,
}: {
  channel: string
  send: (content: string, options?: SendOptions) => Promise<Message>
}) {
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  const typing = useTyping(channel)
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const content = text.trim()
    if (!content) return
    setText('')
    setError(null)
    // Sent now, or kept in the outbox until the connection is back; the list shows its state.
    send(content).catch((err: unknown) => setError(isNselfError(err) ? err.message : String(err)))
  }
  return (
    <form className={styles.composer} onSubmit={submit}>
      <input
        aria-label={`Message #${channel}`}
        placeholder={`Message #${channel}`}
        value={text}
        maxLength={4000}
        onChange={(e) => {
          setText(e.target.value)
          typing.onInput(e)
        }}
        onBlur={typing.stop}
      />
      <button type="submit">Send</button>
      {error ? <small role="alert">{error}</small> : null}
    </form>
  )
}
