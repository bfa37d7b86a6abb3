'use client'
import type { FileRecord } from '@nself/files-client'
import { type FormEvent, useCallback, useMemo, useRef, useState } from 'react'
import { defaultOptions, type HttpStack } from 'tus-js-client'
import { useSession } from '../session'
import { AttachmentPicker } from './attachment-picker'
import styles from './files.module.css'

interface Message {
  id: number
  text: string
  attachments: FileRecord[]
}

/**
 * tus-js-client's own HTTP stack, except that while `isDown()` every request fails as a
 * dropped connection does: the demo's way to show a failed upload and its Retry button.
 */
function flakyStack(isDown: () => boolean): HttpStack {
  const base = defaultOptions.httpStack
  return {
    getName: () => 'FlakyHttpStack',
    createRequest(method, url) {
      const request = base.createRequest(method, url)
      const send = request.send.bind(request)
      request.send = (body) =>
        isDown() ? Promise.reject(new Error('Simulated dropped connection')) : send(body)
      return request
    },
  }
}

export function FilesDemo() {
  const { userId } = useSession()
  const [messages, setMessages] = useState<Message[]>([])
  const [attached, setAttached] = useState<FileRecord[]>([])
  const [text, setText] = useState('')
  const [offline, setOffline] = useState(false)
  const [sent, setSent] = useState(0)
  const down = useRef(false)
  const options = useMemo(() => ({ httpStack: flakyStack(() => down.current), retryDelays: [0, 500] }), [])
  const onReady = useCallback((file: FileRecord) => setAttached((list) => [...list, file]), [])
  const onRemoved = useCallback(
    (file: FileRecord) => setAttached((list) => list.filter((f) => f.id !== file.id)),
    [],
  )

  if (!userId) return <p>Sign in (top right) to attach files.</p>

  const send = (event: FormEvent) => {
    event.preventDefault()
    if (!text.trim() && attached.length === 0) return
    setMessages((list) => [...list, { id: Date.now(), text: text.trim(), attachments: attached }])
    setAttached([])
    setText('')
    setSent((n) => n + 1)
  }

  return (
    <div className={styles.demo}>
      <form className={styles.composer} onSubmit={send}>
        <AttachmentPicker
          key={userId}
          onReady={onReady}
          onRemoved={onRemoved}
          clearKey={sent}
          options={options}
        />
        {attached.length > 0 ? (
          <p className={styles.hint}>
            {attached.length} attachment{attached.length === 1 ? '' : 's'} ready to send
          </p>
        ) : null}
        <div className={styles.sendRow}>
          <input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Message #general"
            aria-label="Message"
          />
          <button type="submit">Send</button>
        </div>
        <label className={styles.hint}>
          <input
            type="checkbox"
            checked={offline}
            onChange={(e) => {
              down.current = e.target.checked
              setOffline(e.target.checked)
            }}
          />{' '}
          Simulate a dropped connection (uploads fail; untick it, then press Retry)
        </label>
      </form>

      <ol className={styles.messages} aria-label="Messages">
        {messages.map((m) => (
          <li key={m.id}>
            <strong>{userId}</strong> {m.text}
            {m.attachments.length > 0 ? (
              <div className={styles.messageFiles}>
                {m.attachments.map((f) => (
                  <a key={f.id} href={f.url} target="_blank" rel="noreferrer" title={f.name}>
                    {f.thumbnailUrl ? (
                      // biome-ignore lint/performance/noImgElement: a signed URL from the file plugin
                      <img src={f.thumbnailUrl} alt={f.name ?? ''} width={120} />
                    ) : (
                      <span className={styles.fileChip}>
                        {f.name} ({f.mimeType})
                      </span>
                    )}
                  </a>
                ))}
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  )
}
