import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type {
  FileMetadataRow,
  FileOperation,
  FileScanRow,
  OperationResult,
  ProcessingJob,
} from '@nself/contracts/files'

/**
 * File and upload ids: 32 lower-case hex characters. Every id from a URL is checked against
 * this before it comes near the file system, so no id can name a path outside the data directory.
 */
export const FILE_ID_PATTERN = /^[0-9a-f]{32}$/

/** Is `value` a well-formed file id? */
export const isFileId = (value: string | undefined): value is string =>
  value !== undefined && FILE_ID_PATTERN.test(value)

/** One generated thumbnail. */
export interface StoredThumbnail {
  /** The bounding box (100, 400, 1200). */
  size: number
  width: number
  height: number
  bytes: number
  ms: number
  sourceWidth: number
  sourceHeight: number
  createdAt: string
}

/** What the server keeps about one file, on disk as `records/<id>.json`. */
export interface StoredFile {
  id: string
  /** Tenant (`X-App-Name`) and user (the token's `userId`) that own it. */
  app: string
  owner: string
  name: string
  /** What the client said the type was (the bytes decide). */
  declaredType: string
  channelId: string | null
  operations: FileOperation[]
  transport: 'tus' | 'put'
  createdAt: string
  /** `uploading` until every byte is in; then `stored`. */
  state: 'uploading' | 'stored'
  /** Unix ms after which an unfinished upload (or an unused presigned URL) is removed. */
  expiresAt: number
  /** Bytes the presigned PUT announced. */
  declaredSize?: number
  /** Sniffed from the bytes; set once stored. */
  mimeType?: string
  size?: number
  sha256?: string
  /** What `/files/:id` serves once processing completes: the original or the processed copy. */
  output?: { file: 'original' | 'output'; mimeType: string; width?: number; height?: number; bytes: number }
  thumbnails: StoredThumbnail[]
  /** Processing jobs, oldest first; the last one is the file's current processing. */
  jobs: ProcessingJob[]
  metadata: FileMetadataRow | null
  scan: FileScanRow | null
  /** Per-operation outcomes of the last job. */
  results?: Record<string, OperationResult>
}

/** A change to a file, as the event stream and `?wait=` see it. */
export interface FileChange {
  /** Sequence number, increasing over the server's life (the SSE `id:`). */
  seq: number
  /** `file` (created or changed) or `file-deleted`. */
  type: 'file' | 'file-deleted'
  fileId: string
}

const RECENT_CHANGES = 500

/**
 * The stub's file store: records in memory and on disk (so `FILE_DATA_DIR` survives a
 * restart), the paths of their bytes, ownership, and the change feed behind server-sent
 * events and long polls.
 */
export class FileRepository {
  readonly dir: string
  readonly #files = new Map<string, StoredFile>()
  readonly #writes = new Map<string, Promise<void>>()
  readonly #listeners = new Map<string, Set<(change: FileChange) => void>>()
  readonly #recent = new Map<string, FileChange[]>()
  #seq = 0

  private constructor(dir: string) {
    this.dir = dir
  }

  /** Opens (creating) the data directory and loads the records in it. */
  static async open(dir: string): Promise<FileRepository> {
    const repo = new FileRepository(dir)
    await Promise.all(['uploads', 'records', 'derived'].map((d) => mkdir(join(dir, d), { recursive: true })))
    for (const name of await readdir(join(dir, 'records'))) {
      const id = name.replace(/\.json$/, '')
      if (!isFileId(id) || !name.endsWith('.json')) continue
      try {
        const file = JSON.parse(await readFile(join(dir, 'records', name), 'utf8')) as StoredFile
        if (file.id === id) repo.#files.set(id, file)
      } catch {
        // A record cut by a crash mid-write: the upload it described is lost either way.
      }
    }
    return repo
  }

  /** Where the uploaded bytes of `id` live (the tus file store's directory). */
  uploadPath(id: string): string {
    return join(this.dir, 'uploads', id)
  }

  /** Where processed copies and thumbnails of `id` live. */
  derivedDir(id: string): string {
    return join(this.dir, 'derived', id)
  }

  /** The record of `id`, whoever owns it. */
  get(id: string | undefined): StoredFile | undefined {
    return isFileId(id) ? this.#files.get(id) : undefined
  }

  /** Every record. */
  all(): IterableIterator<StoredFile> {
    return this.#files.values()
  }

  /** The records of one owner, newest first. */
  list(app: string, owner: string): StoredFile[] {
    return [...this.#files.values()]
      .filter((f) => f.app === app && f.owner === owner && f.state === 'stored')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }

  /** Stores `file` (memory at once, disk in order) and tells the listeners. */
  save(file: StoredFile): Promise<void> {
    this.#files.set(file.id, file)
    this.#emit(file, 'file')
    const path = join(this.dir, 'records', `${file.id}.json`)
    const json = JSON.stringify(file)
    const write = (this.#writes.get(file.id) ?? Promise.resolve()).then(async () => {
      if (this.#files.get(file.id) !== file) return
      await writeFile(`${path}.tmp`, json)
      await rename(`${path}.tmp`, path)
    })
    this.#writes.set(file.id, write)
    return write.finally(() => {
      if (this.#writes.get(file.id) === write) this.#writes.delete(file.id)
    })
  }

  /** Removes `id` with its bytes, tus bookkeeping and derived files, and tells the listeners. */
  async remove(id: string): Promise<void> {
    const file = this.#files.get(id)
    this.#files.delete(id)
    await this.#writes.get(id)?.catch(() => {})
    await Promise.all([
      rm(join(this.dir, 'records', `${id}.json`), { force: true }),
      rm(this.uploadPath(id), { force: true }),
      rm(`${this.uploadPath(id)}.json`, { force: true }),
      rm(this.derivedDir(id), { recursive: true, force: true }),
    ])
    if (file) this.#emit(file, 'file-deleted')
  }

  /** Resolves once every pending record write is on disk. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#writes.values()])
  }

  /** Listens to the changes of one owner's files; returns the unsubscribe function. */
  subscribe(app: string, owner: string, listener: (change: FileChange) => void): () => void {
    const key = ownerKey(app, owner)
    const set = this.#listeners.get(key) ?? new Set()
    this.#listeners.set(key, set)
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.#listeners.delete(key)
    }
  }

  /** One owner's changes after sequence number `after`, oldest first (at most the last 500). */
  changesSince(app: string, owner: string, after: number): FileChange[] {
    return (this.#recent.get(ownerKey(app, owner)) ?? []).filter((c) => c.seq > after)
  }

  /** The last sequence number handed out. */
  get seq(): number {
    return this.#seq
  }

  #emit(file: StoredFile, type: FileChange['type']): void {
    if (file.state !== 'stored') return
    const key = ownerKey(file.app, file.owner)
    const change: FileChange = { seq: ++this.#seq, type, fileId: file.id }
    const recent = this.#recent.get(key) ?? []
    recent.push(change)
    if (recent.length > RECENT_CHANGES) recent.splice(0, recent.length - RECENT_CHANGES)
    this.#recent.set(key, recent)
    for (const listener of [...(this.#listeners.get(key) ?? [])]) listener(change)
  }
}

function ownerKey(app: string, owner: string): string {
  return `${app}\n${owner}`
}
