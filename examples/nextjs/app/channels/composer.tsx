'use client'
import { isNselfError, type Message, type SendOptions, useTyping } from '@nself/realtime-client'
import { type FormEvent, useState } from 'react'
import { useNotificationService } from '../notifications/use-notification-service'
import styles from './channels.module.css'

const MENTION = /(?:^|\s)@([a-z0-9_-]{1,40})\b/gi

/** The users a message mentions (`@bob`), without the sender. */
function mentionsIn(content: string, self: string | null): string[] {
  const names = new Set(Array.from(content.matchAll(MENTION), (m) => m[1] ?? ''))
  names.delete('')
  if (self) names.delete(self)
  return [...names]
}

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
  const { service: notifications, userId } = useNotificationService()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const content = text.trim()
    if (!content) return
    setText('')
    setError(null)
    // Sent now, or kept in the outbox until the connection is back; the list shows its state.
    // Once the message is delivered, everyone it mentions gets a notification in their bell.
    send(content)
      .then(() =>
        Promise.all(
          mentionsIn(content, userId).map((mentioned) =>
            notifications.sendNotification({
              userId: mentioned,
              type: 'mention',
              title: `${userId ?? 'Someone'} mentioned you in #${channel}`,
              body: content,
              channels: ['in_app'],
            }),
          ),
        ),
      )
      .catch((err: unknown) => setError(isNselfError(err) ? err.message : String(err)))
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
