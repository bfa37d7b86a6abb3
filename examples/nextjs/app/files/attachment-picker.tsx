'use client'
import {
  type FileRecord,
  type UploadItem,
  type UseFileUploadOptions,
  useFileUpload,
} from '@nself/files-client'
import { type ChangeEvent, useEffect, useRef } from 'react'
import styles from './files.module.css'

/** What the chat composer asks of every attachment. */
const PROCESSING = { resize: true, optimize: true, thumbnail: true, stripMetadata: true }

/** Props of {@link AttachmentPicker}. */
export interface AttachmentPickerProps {
  /** Types offered and accepted (checked before any byte leaves). */
  accept?: string
  /** Largest file, e.g. `'100MB'`. */
  maxSize?: string | number
  /** Called once per file, when it is uploaded and processed. */
  onReady?(file: FileRecord): void
  /** Called when the user removes a ready attachment. */
  onRemoved?(file: FileRecord): void
  /** Change it (e.g. a counter bumped on send) to clear the ready attachments. */
  clearKey?: unknown
  /** More options for the upload service (read once). */
  options?: UseFileUploadOptions
}

/**
 * The composer's attachment area: a file button, a drop and paste target, and one progress
 * row per file (bytes, speed, ETA; pause, resume, cancel; retry when a retry can help).
 */
export function AttachmentPicker({
  accept = 'image/*,video/*,application/pdf',
  maxSize = '100MB',
  onReady,
  onRemoved,
  clearKey,
  options,
}: AttachmentPickerProps) {
  const { uploads, dropzoneProps, service, pause, resume, cancel, retry, remove } = useFileUpload({
    accept,
    maxSize,
    ...options,
  })
  const reported = useRef(new Set<string>())
  useEffect(() => {
    for (const u of uploads) {
      if (u.state === 'ready' && u.result && !reported.current.has(u.id)) {
        reported.current.add(u.id)
        onReady?.(u.result)
      }
    }
  }, [uploads, onReady])
  // Sent: the ready attachments leave the composer (uploads still running stay).
  const cleared = useRef(clearKey)
  useEffect(() => {
    if (Object.is(cleared.current, clearKey)) return
    cleared.current = clearKey
    for (const u of service.getSnapshot()) if (u.state === 'ready') remove(u.id)
  }, [clearKey, service, remove])
  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    for (const file of Array.from(event.target.files ?? [])) service.add(file, PROCESSING)
    event.target.value = ''
  }
  return (
    <section className={styles.picker} aria-label="Attachments" {...dropzoneProps}>
      <div className={styles.pickerHead}>
        <label className={styles.choose}>
          Attach files
          <input type="file" multiple accept={accept} onChange={choose} data-testid="file-input" />
        </label>
        <span className={styles.hint}>or drop them here, or paste</span>
      </div>
      {uploads.length > 0 ? (
        <ul className={styles.attachments}>
          {uploads.map((item) => (
            <li key={item.id}>
              <UploadProgress
                item={item}
                onPause={() => pause(item.id)}
                onResume={() => resume(item.id)}
                onCancel={() => cancel(item.id)}
                onRetry={() => retry(item.id)}
                onRemove={() => {
                  remove(item.id)
                  if (item.result) onRemoved?.(item.result)
                }}
              />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  )
}

/** Props of {@link UploadProgress}. */
export interface UploadProgressProps {
  item: UploadItem
  onPause?(): void
  onResume?(): void
  onCancel?(): void
  onRetry?(): void
  onRemove?(): void
}

/** One upload: thumbnail or name, a progress bar, what is happening, and the actions that apply. */
export function UploadProgress({
  item,
  onPause,
  onResume,
  onCancel,
  onRetry,
  onRemove,
}: UploadProgressProps) {
  const percent = item.bytesTotal > 0 ? Math.round((item.bytesSent / item.bytesTotal) * 100) : 0
  const running = item.state === 'queued' || item.state === 'validating' || item.state === 'uploading'
  return (
    <div className={styles.upload} data-state={item.state} data-testid={`upload-${item.name}`}>
      {item.result?.thumbnailUrl ? (
        // biome-ignore lint/performance/noImgElement: a signed URL from the file plugin, not a static asset
        <img className={styles.thumb} src={item.result.thumbnailUrl} alt="" width={48} height={48} />
      ) : (
        <span className={styles.thumb} aria-hidden>
          {item.type.split('/')[0] || 'file'}
        </span>
      )}
      <div className={styles.uploadBody}>
        <div className={styles.uploadTitle}>
          <strong>{item.name}</strong>
          <span className={styles.status}>{describe(item)}</span>
        </div>
        {item.state === 'uploading' || item.state === 'processing' ? (
          <progress
            max={100}
            value={item.state === 'processing' ? undefined : percent}
            aria-label={`${item.name}: ${item.state === 'processing' ? 'processing' : `${percent}%`}`}
          />
        ) : null}
        {item.error ? (
          <p className={styles.error} role="alert">
            {item.error.message} <code>{item.error.code}</code>
          </p>
        ) : null}
      </div>
      <div className={styles.actions}>
        {running && !item.paused && onPause ? (
          <button type="button" onClick={onPause}>
            Pause
          </button>
        ) : null}
        {item.paused && onResume ? (
          <button type="button" onClick={onResume}>
            Resume
          </button>
        ) : null}
        {(running || item.state === 'processing') && onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        {item.state === 'failed' && item.error?.retryable && onRetry ? (
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        ) : null}
        {(item.state === 'ready' || item.state === 'failed' || item.state === 'cancelled') && onRemove ? (
          <button type="button" onClick={onRemove}>
            Remove
          </button>
        ) : null}
      </div>
    </div>
  )
}

function describe(item: UploadItem): string {
  if (item.paused) return `paused at ${bytes(item.bytesSent)} of ${bytes(item.bytesTotal)}`
  switch (item.state) {
    case 'uploading': {
      const eta = item.eta === null ? '' : `, ${Math.ceil(item.eta)} s left`
      const speed = item.speed > 0 ? `, ${bytes(item.speed)}/s${eta}` : ''
      return `${bytes(item.bytesSent)} of ${bytes(item.bytesTotal)}${speed}`
    }
    case 'processing':
      return 'processing…'
    case 'ready':
      return `ready, ${bytes(item.result?.size ?? item.bytesTotal)}`
    case 'failed':
      return item.error?.retryable ? 'failed — a retry may help' : 'failed'
    default:
      return item.state
  }
}

function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`
  return `${(n / 1024 ** 3).toFixed(2)} GB`
}
