import {
  createStore,
  errorFromResponse,
  getNselfConfig,
  HttpClient,
  type HttpClientOptions,
  NselfError,
  type ReadableStore,
  randomId,
  toNselfError,
} from '@nself/client-core'
import { type FileRecord, FileRecordSchema, type PresignUploadResponse } from '@nself/contracts/files'
import {
  type DetailedError,
  defaultOptions,
  type HttpRequest,
  type HttpStack,
  Upload,
  type UrlStorage,
} from 'tus-js-client'
import { downscaleImage } from './downscale'
import { isAccepted, parseSize } from './upload-rules'

/** Where an upload is. `failed` carries `error` (with `retryable`); `ready` carries `result`. */
export type UploadState =
  | 'queued'
  | 'validating'
  | 'uploading'
  | 'processing'
  | 'ready'
  | 'failed'
  | 'cancelled'

/** One file in the queue, as the UI shows it. A new object on every change. */
export interface UploadItem {
  /** Local id (not the server's file id). */
  readonly id: string
  readonly name: string
  readonly type: string
  readonly state: UploadState
  /** Paused by `pause()`; `resume()` continues from the bytes the server has. */
  readonly paused: boolean
  readonly bytesSent: number
  readonly bytesTotal: number
  /** Bytes per second, smoothed. */
  readonly speed: number
  /** Seconds left at the current speed; `null` when unknown. */
  readonly eta: number | null
  /** The server's file id, once the bytes are in. */
  readonly fileId?: string
  /** The processed file, when `ready`. */
  readonly result?: FileRecord
  /** Why it `failed`; `error.retryable` says whether `retry()` may help. */
  readonly error?: NselfError
}

/** What to do with a file (the seeds' `uploadAndProcess` options) and how to name it. */
export interface UploadOptions {
  /** Scale images down to the server's `FILE_PROCESSING_IMAGE_MAX_WIDTH` (2048 px). */
  resize?: boolean
  /** Re-encode images at the server's quality (85). */
  optimize?: boolean
  /** Make 100, 400 and 1200 px thumbnails. */
  thumbnail?: boolean
  /** Strip EXIF and GPS (the server does by default; this insists). */
  stripMetadata?: boolean
  /** File name, for sources without one (a `Buffer` or stream in Node). */
  name?: string
  /** MIME type the client believes (the server decides by the bytes). */
  type?: string
  /** Cancels the upload (and deletes what reached the server). */
  signal?: AbortSignal
}

/** A file to upload: a `File`/`Blob` in browsers; in Node also a `Buffer` or an `fs.ReadStream`. */
export type UploadSource =
  | Blob
  | Uint8Array
  | { readonly path: string | Uint8Array; pipe(...args: never[]): unknown }

/** Options of {@link FileUploadService}; anything unset comes from `NselfProvider` / `configureNself`. */
export interface FileUploadServiceOptions extends Omit<HttpClientOptions, 'plugin'> {
  /** Uploads sent at once (default 3). */
  concurrency?: number
  /** Largest file accepted, in bytes or as `'100MB'`; checked before any byte leaves. */
  maxSize?: number | string
  /** Types accepted, as `<input accept>`: `'image/*,video/*,application/pdf'`. */
  accept?: string
  /** `tus` (default, resumable) or `presigned` (one PUT to a URL the server hands out). */
  transport?: 'tus' | 'presigned'
  /** Bytes per tus `PATCH` (default: the whole file in one request). */
  chunkSize?: number
  /** Waits between tus retries, in ms (default 0, 1 s, 3 s, 5 s, 10 s; reset after progress). */
  retryDelays?: number[]
  /** Give up waiting for processing after this many ms (default 120 000): `TIMEOUT`, retryable. */
  processingTimeoutMs?: number
  /** Downscale large JPEG/PNG/WebP images in the browser before uploading. */
  downscale?: { maxWidth: number; quality?: number }
  /** Where tus keeps resumable uploads (default: `localStorage` in browsers, nothing in Node). */
  urlStorage?: UrlStorage
  /** tus-js-client's HTTP stack (default XHR in browsers, `node:http` in Node): wrap it to instrument uploads. */
  httpStack?: HttpStack
}

interface Entry {
  item: UploadItem
  source: UploadSource
  options: UploadOptions
  size: number | undefined
  tus?: Upload
  abort?: AbortController
  /** Settles the running transfer (tus reports through callbacks). */
  settle?: (error?: unknown) => void
  refresh?: boolean
  sampledAt?: number
  sampledBytes?: number
  done: Array<[(record: FileRecord) => void, (error: NselfError) => void]>
}

// Unfinished uploads the stub keeps for a day (FILE_UPLOAD_EXPIRATION_MS); older entries are dead.
const STALE_MS = 86_400_000
const TERMINAL = ['completed', 'failed', 'cancelled']
// Upload states nothing happens in any more.
const FINISHED: UploadState[] = ['ready', 'failed', 'cancelled']
/**
 * Uploads files to the nself file-processing plugin and waits until they are processed:
 * resumable tus uploads (or the presigned PUT flow) in a queue with a concurrency limit, a
 * state per file (`queued → validating → uploading → processing → ready | failed |
 * cancelled`) with bytes, speed and ETA, pause, resume, cancel (which deletes what reached
 * the server) and retry. React-free: `subscribe`/`getSnapshot` give the queue to any UI.
 *
 * ```ts
 * const files = new FileUploadService()
 * const { id, url, thumbnailUrl, mimeType, size } = await files.uploadAndProcess(file, { thumbnail: true })
 * ```
 */
export class FileUploadService implements ReadableStore<readonly UploadItem[]> {
  readonly #options: FileUploadServiceOptions
  readonly #http: HttpClient
  readonly #store = createStore<readonly UploadItem[]>([])
  readonly #entries = new Map<string, Entry>()
  #swept = false

  constructor(options: FileUploadServiceOptions = {}) {
    this.#options = options
    this.#http = new HttpClient({ ...options, plugin: 'files' })
  }

  /** The queue, oldest first; a new array on every change. */
  getSnapshot = (): readonly UploadItem[] => this.#store.getSnapshot()
  /** Calls `listener` after every change of the queue. */
  subscribe = (listener: () => void): (() => void) => this.#store.subscribe(listener)

  /**
   * Queues `file`, uploads it, waits for processing, and resolves with the processed file
   * (`{ id, url, thumbnailUrl, mimeType, size, … }`).
   * @throws {NselfError} why it failed (`PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE`,
   * `PROCESSING_FAILED` with `details.code`, `TIMEOUT`, `NETWORK_ERROR`, …) or `ABORTED`.
   */
  uploadAndProcess(file: UploadSource, options: UploadOptions = {}): Promise<FileRecord> {
    return new Promise((resolve, reject) => {
      this.#add(file, options, [resolve, reject])
    })
  }

  /** Queues `file` and returns its local id; follow it in {@link getSnapshot}. */
  add(file: UploadSource, options: UploadOptions = {}): string {
    return this.#add(file, options)
  }

  #add(file: UploadSource, options: UploadOptions, waiter?: Entry['done'][number]): string {
    const id = randomId()
    const source = file as Partial<File> & { length?: number }
    const size = source.size ?? source.length
    const entry: Entry = {
      source: file,
      options,
      size,
      done: waiter ? [waiter] : [],
      item: {
        id,
        name: options.name ?? source.name ?? 'file',
        type: options.type ?? source.type ?? '',
        state: 'queued',
        paused: false,
        bytesSent: 0,
        bytesTotal: size ?? 0,
        speed: 0,
        eta: null,
      },
    }
    this.#entries.set(id, entry)
    options.signal?.addEventListener('abort', () => this.cancel(id), { once: true })
    this.#emit()
    this.#pump()
    return id
  }

  /**
   * Pauses one upload (or all): the bytes sent stay on the server; a file being processed is
   * no longer waited for (the server goes on). Nothing of a paused upload runs in the client.
   */
  pause(id?: string): void {
    for (const e of this.#pick(id)) {
      if (e.item.paused || FINISHED.includes(e.item.state)) continue
      this.#set(e, { paused: true, speed: 0, eta: null })
      this.#stop(e)
    }
    this.#pump()
  }

  /** Resumes one paused upload (or all) where the server's bytes end, or waits for its processing again. */
  resume(id?: string): void {
    for (const e of this.#pick(id)) if (e.item.paused) this.#set(e, { paused: false, state: 'queued' })
    this.#pump()
  }

  /** Cancels one upload (or all) and deletes what reached the server. */
  cancel(id?: string): void {
    for (const e of this.#pick(id)) {
      const { state, fileId } = e.item
      if (FINISHED.includes(state)) continue
      this.#set(e, { state: 'cancelled', paused: false, speed: 0, eta: null })
      this.#stop(e)
      if (fileId) {
        this.#http.request({ method: 'DELETE', path: `/api/files/${fileId}` }).catch(() => {})
      } else {
        e.tus?.abort(true).catch(() => {})
      }
      this.#finish(e)
    }
    this.#pump()
  }

  /** Starts a failed upload again: processing is waited for again, or the bytes re-sent. */
  retry(id: string): void {
    const e = this.#entries.get(id)
    if (e?.item.state !== 'failed') return
    // A file processing refused would be refused again: upload it anew.
    const again = e.item.error?.code === 'PROCESSING_FAILED'
    if (again) e.tus = undefined
    this.#set(e, { state: 'queued', error: undefined, ...(again ? { fileId: undefined, bytesSent: 0 } : {}) })
    this.#pump()
  }

  /** Drops a finished (`ready`, `failed`, `cancelled`) upload from the queue. */
  remove(id: string): void {
    const e = this.#entries.get(id)
    if (e && FINISHED.includes(e.item.state) && this.#entries.delete(id)) this.#emit()
  }

  /**
   * Reads a file record. `wait` (seconds, ≤ 30) holds the answer until processing ends.
   * @throws {NselfError} `NOT_FOUND` for a file that is not yours.
   */
  getFile(fileId: string, options: { wait?: number; signal?: AbortSignal } = {}): Promise<FileRecord> {
    return this.#http.request<FileRecord>({
      path: `/api/files/${encodeURIComponent(fileId)}`,
      query: { wait: options.wait },
      timeoutMs: (options.wait ?? 0) * 1000 + 30_000,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(process.env.NODE_ENV !== 'production' ? { schema: FileRecordSchema } : {}),
    })
  }

  #pick(id: string | undefined): Entry[] {
    return [...this.#entries.values()].filter((e) => id === undefined || e.item.id === id)
  }

  #emit(): void {
    this.#store.setState([...this.#entries.values()].map((e) => e.item))
  }

  #set(e: Entry, patch: Partial<{ -readonly [K in keyof UploadItem]: UploadItem[K] }>): void {
    e.item = { ...e.item, ...patch }
    if (this.#entries.has(e.item.id)) this.#emit()
  }

  #stop(e: Entry): void {
    e.abort?.abort()
    e.tus?.abort().catch(() => {})
    e.settle?.(new NselfError('ABORTED', 'Stopped'))
  }

  #finish(e: Entry): void {
    const { state, result, error } = e.item
    for (const [resolve, reject] of e.done.splice(0)) {
      if (state === 'ready' && result) resolve(result)
      else reject(error ?? new NselfError('ABORTED', 'The upload was cancelled', { retryable: false }))
    }
  }

  #pump(): void {
    let active = 0
    for (const e of this.#entries.values()) {
      if (!e.item.paused && (e.item.state === 'validating' || e.item.state === 'uploading')) active++
    }
    for (const e of this.#entries.values()) {
      if (active >= (this.#options.concurrency ?? 3)) return
      if (e.item.state === 'queued' && !e.item.paused) {
        active++
        void this.#run(e)
      }
    }
  }

  async #run(e: Entry): Promise<void> {
    const abort = new AbortController()
    e.abort = abort
    const { signal } = abort
    try {
      let fileId = e.item.fileId
      if (!fileId) {
        this.#set(e, { state: 'validating' })
        const { name, type } = e.item
        const max = parseSize(this.#options.maxSize)
        if (max !== undefined && e.size !== undefined && e.size > max) {
          throw new NselfError('PAYLOAD_TOO_LARGE', `${name} is larger than ${max} bytes`, {
            retryable: false,
          })
        }
        if (!isAccepted(this.#options.accept, name, type)) {
          throw new NselfError('UNSUPPORTED_MEDIA_TYPE', `${name} is not an accepted type`, {
            retryable: false,
          })
        }
        const down = this.#options.downscale
        if (down && e.source instanceof Blob)
          e.source = await downscaleImage(e.source, down.maxWidth, down.quality)
        signal.throwIfAborted()
        this.#set(e, { state: 'uploading' })
        fileId =
          this.#options.transport === 'presigned'
            ? await this.#put(e, signal)
            : await this.#tusUpload(e, signal)
        this.#set(e, { fileId, bytesSent: e.item.bytesTotal, speed: 0, eta: null })
      }
      this.#set(e, { state: 'processing' })
      const deadline = Date.now() + (this.#options.processingTimeoutMs ?? 120_000)
      for (;;) {
        const record = await this.getFile(fileId, { wait: 25, signal })
        const { status, error } = record.processing
        if (status === 'completed') {
          this.#set(e, { state: 'ready', result: record })
          break
        }
        if (TERMINAL.includes(status)) {
          throw new NselfError('PROCESSING_FAILED', error?.message || `Processing ${status}`, {
            details: error,
            retryable: false,
          })
        }
        if (Date.now() > deadline) throw new NselfError('TIMEOUT', 'Processing did not finish in time')
      }
    } catch (raw) {
      if (e.item.paused || e.item.state === 'cancelled') return
      this.#set(e, { state: 'failed', error: toNselfError(raw), speed: 0, eta: null })
    } finally {
      if (e.abort === abort) e.abort = undefined
      this.#pump()
    }
    this.#finish(e)
  }

  /** The presigned flow: `POST /api/files/upload`, then one `PUT` of the bytes. */
  async #put(e: Entry, signal: AbortSignal): Promise<string> {
    const { name, type } = e.item
    const presigned = await this.#http.request<PresignUploadResponse>({
      method: 'POST',
      path: '/api/files/upload',
      body: {
        fileName: name,
        mimeType: type || 'application/octet-stream',
        size: e.size ?? 0,
        operations: operations(e.options)?.split(','),
      },
      signal,
    })
    const response = await (this.#options.fetch ?? getNselfConfig().fetch ?? fetch)(presigned.uploadUrl, {
      method: 'PUT',
      headers: presigned.headers,
      body: e.source as BodyInit,
      signal,
    }).catch((error: unknown) => {
      throw toNselfError(error)
    })
    if (!response.ok) throw errorFromResponse(response.status, await response.json().catch(() => null))
    return presigned.fileId
  }

  /** The tus flow; resumes an upload a previous page load left unfinished. */
  async #tusUpload(e: Entry, signal: AbortSignal): Promise<string> {
    const o = this.#options
    const config = { ...getNselfConfig(), ...o }
    let upload = e.tus
    const fresh = !upload
    if (!upload) {
      // tus-js-client's Node build reads Buffers and streams, not Blobs (a File from a route
      // handler's formData()): hand it the bytes.
      const NodeBuffer = (globalThis as { Buffer?: { from(data: ArrayBuffer): Uint8Array } }).Buffer
      if (e.source instanceof Blob && NodeBuffer && defaultOptions.httpStack.getName() === 'NodeHttpStack') {
        e.source = NodeBuffer.from(await e.source.arrayBuffer())
      }
      upload = e.tus = new Upload(e.source as Blob, {
        endpoint: this.#http.url('/uploads'),
        metadata: { name: e.item.name, type: e.item.type, operations: operations(e.options) ?? '' },
        ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
        ...(o.urlStorage ? { urlStorage: o.urlStorage } : {}),
        ...(o.httpStack ? { httpStack: o.httpStack } : {}),
        retryDelays: o.retryDelays ?? [0, 1000, 3000, 5000, 10_000],
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onBeforeRequest: async (req: HttpRequest) => {
          const token = await this.#http.token(e.refresh)
          e.refresh = false
          if (token) req.setHeader('Authorization', `Bearer ${token}`)
          if (config.appName) req.setHeader('X-App-Name', config.appName)
          for (const [k, v] of Object.entries(config.headers ?? {})) req.setHeader(k, v)
        },
        onShouldRetry: (error: DetailedError) => {
          const status = error.originalResponse?.getStatus() ?? 0
          // One refresh of the token on 401, as every other request does.
          if (status === 401 && e.refresh === undefined) {
            e.refresh = true
            return true
          }
          return status === 0 || status >= 500 || status === 409 || status === 423 || status === 429
        },
        onProgress: (sent: number, total: number) => {
          // Speed from samples at least 200 ms apart, smoothed; bytes on every event.
          const now = Date.now()
          const dt = now - (e.sampledAt ?? now)
          let speed = e.item.speed
          if (!e.sampledAt || dt >= 200) {
            if (e.sampledAt) {
              const rate = ((sent - (e.sampledBytes ?? 0)) * 1000) / dt
              speed = speed ? speed * 0.7 + rate * 0.3 : rate
            }
            e.sampledAt = now
            e.sampledBytes = sent
          }
          this.#set(e, {
            bytesSent: sent,
            bytesTotal: total,
            speed,
            eta: speed > 0 ? (total - sent) / speed : null,
          })
        },
        onSuccess: () => e.settle?.(),
        onError: (error: Error) => e.settle?.(error),
      })
    }
    const storage = o.urlStorage ?? defaultOptions.urlStorage
    if (!this.#swept) {
      this.#swept = true
      // (tus-js-client's no-op storage in Node has no findAllUploads.)
      for (const old of (await storage.findAllUploads?.().catch(() => [])) ?? []) {
        if (Date.now() - Date.parse(old.creationTime) > STALE_MS) void storage.removeUpload(old.urlStorageKey)
      }
    }
    if (fresh) {
      const [previous] = await upload.findPreviousUploads().catch(() => [])
      if (previous) upload.resumeFromPreviousUpload(previous)
    }
    e.sampledAt = undefined
    // Paused or cancelled while the previous upload was looked up: do not start.
    signal.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      e.settle = (error) => {
        e.settle = undefined
        if (error === undefined) return resolve()
        const response = (error as DetailedError).originalResponse
        if (!response) return reject(error instanceof NselfError ? error : toNselfError(error))
        let body: unknown = response.getBody()
        try {
          body = JSON.parse(body as string)
        } catch {}
        reject(errorFromResponse(response.getStatus(), body))
      }
      upload.start()
    })
    return (upload.url ?? '').split('/').pop() as string
  }
}

/** The `Upload-Metadata` operations for the seeds' options (`undefined`: the server's default). */
function operations(o: UploadOptions): string | undefined {
  const ops = [
    o.resize && 'resize',
    o.optimize && 'optimize',
    o.thumbnail && 'thumbnail',
    o.stripMetadata && 'strip_exif',
  ]
  return ops.some(Boolean) ? [...ops.filter(Boolean), 'metadata'].join() : undefined
}
