'use client'
import { isNselfError, type SendChannel } from '@nself/notifications-client'
import { type FormEvent, useState } from 'react'
import styles from './notifications.module.css'
import { useNotificationService } from './use-notification-service'

/** Sends a `message` notification to another user: it appears in their bell at once. */
export function SendMessage() {
  const { service, userId } = useNotificationService()
  const [to, setTo] = useState(userId === 'bob' ? 'alice' : 'bob')
  const [text, setText] = useState('Hey, how are you?')
  const [email, setEmail] = useState(false)
  const [status, setStatus] = useState<string | null>(null)
  if (!userId) return null

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setStatus('Sending…')
    const channels: SendChannel[] = email ? ['in_app', 'email'] : ['in_app']
    try {
      const result = await service.sendNotification({
        userId: to,
        type: 'message',
        title: `New message from ${userId}`,
        body: text,
        channels,
        data: { url: '/notifications' },
      })
      setStatus(`Sent: ${result.deliveries.map((d) => `${d.channel} ${d.status}`).join(', ')}`)
    } catch (error) {
      setStatus(isNselfError(error) ? `${error.code}: ${error.message}` : String(error))
    }
  }

  return (
    <section aria-labelledby="send-heading">
      <h2 id="send-heading">Send a message</h2>
      <form className={styles.form} onSubmit={submit}>
        <label>
          To <input name="to" value={to} onChange={(e) => setTo(e.target.value)} required size={10} />
        </label>
        <label>
          Message <input name="text" value={text} onChange={(e) => setText(e.target.value)} required />
        </label>
        <label>
          <input type="checkbox" checked={email} onChange={(e) => setEmail(e.target.checked)} /> also by email
        </label>
        <button type="submit">Send</button>
      </form>
      {status && (
        <p className={styles.muted} data-testid="send-status">
          {status}
        </p>
      )}
    </section>
  )
}
