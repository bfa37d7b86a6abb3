'use client'
import type { FileRecord } from '@nself/contracts/files'
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import { filesFromEvent } from '../dropped-files'
import {
  FileUploadService,
  type FileUploadServiceOptions,
  type UploadItem,
  type UploadOptions,
  type UploadSource,
} from '../file-upload-service'

/** Options of {@link useFileUpload}: the seeds' `{ maxSize, accept }` and the service's options. */
export type UseFileUploadOptions = FileUploadServiceOptions

/** Drop and paste handlers for any element: dropped or pasted files are queued. */
export interface DropzoneProps {
  onDragOver(event: { preventDefault(): void }): void
  onDrop(event: { preventDefault(): void; dataTransfer: DataTransfer | null }): void
  onPaste(event: { preventDefault(): void; clipboardData: DataTransfer | null }): void
}

/** What {@link useFileUpload} returns. */
export interface FileUpload {
  /** Uploads and processes one file; resolves with `{ id, url, thumbnailUrl, mimeType, size, … }`. */
  upload(file: UploadSource, options?: UploadOptions): Promise<FileRecord>
  /** Percent (0–100) of the bytes of the uploads in progress. */
  uploadProgress: number
  /** Cancels one upload, or all, deleting what reached the server. */
  cancel(id?: string): void
  pause(id?: string): void
  resume(id?: string): void
  retry(id: string): void
  /** Drops a finished upload from `uploads`. */
  remove(id: string): void
  /** Every upload of this hook, oldest first, with state, bytes, speed and ETA. */
  uploads: readonly UploadItem[]
  /** Spread on a drop target: `<div {...dropzoneProps}>`; pasting files works there too. */
  dropzoneProps: DropzoneProps
  /** The service underneath. */
  service: FileUploadService
}

const NONE: readonly UploadItem[] = []

/**
 * The seeds' upload hook: `const { upload, uploadProgress, cancel } = useFileUpload({
 * maxSize: '100MB', accept: 'image/*,video/*,application/pdf' })`, plus the queue
 * (`uploads`), `pause`, `resume`, `retry` and drop/paste handlers. Options are read once.
 * Uploads still running when the component unmounts are paused, so nothing outlives it;
 * adding the same file again resumes it.
 */
export function useFileUpload(options: UseFileUploadOptions = {}): FileUpload {
  const [service] = useState(() => new FileUploadService(options))
  const uploads = useSyncExternalStore(service.subscribe, service.getSnapshot, () => NONE)
  useEffect(() => () => service.pause(), [service])
  const actions = useMemo(() => {
    const add = (files: File[]) => {
      for (const file of files) service.add(file)
    }
    return {
      upload: (file: UploadSource, opts?: UploadOptions) => service.uploadAndProcess(file, opts),
      cancel: (id?: string) => service.cancel(id),
      pause: (id?: string) => service.pause(id),
      resume: (id?: string) => service.resume(id),
      retry: (id: string) => service.retry(id),
      remove: (id: string) => service.remove(id),
      dropzoneProps: {
        onDragOver: (event) => event.preventDefault(),
        onDrop: (event) => {
          event.preventDefault()
          add(filesFromEvent(event))
        },
        onPaste: (event) => {
          const files = filesFromEvent(event)
          if (files.length === 0) return
          event.preventDefault()
          add(files)
        },
      } satisfies DropzoneProps,
      service,
    }
  }, [service])
  let sent = 0
  let total = 0
  for (const u of uploads) {
    if (u.state === 'uploading' || u.state === 'validating') {
      sent += u.bytesSent
      total += u.bytesTotal
    }
  }
  return { ...actions, uploads, uploadProgress: total > 0 ? Math.round((sent / total) * 100) : 0 }
}
