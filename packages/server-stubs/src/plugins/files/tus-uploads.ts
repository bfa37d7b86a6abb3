import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  DEFAULT_FILE_OPERATIONS,
  FILES_PATHS,
  type FileOperation,
  TUS_EXTENSIONS,
  UPLOAD_OPERATIONS,
} from '@nself/contracts/files'
import { FileStore } from '@tus/file-store'
import { ERRORS, Server as TusServer, type Upload } from '@tus/server'
import type { AuthUser } from '../../auth/request-user'
import type { CorsPolicy } from '../../http/cors'
import { HttpError } from '../../http/http-error'
import type { FileRepository, StoredFile } from './file-repository'
import { isFileId } from './file-repository'
import type { FilesConfig } from './files-config'
import { SNIFF_BYTES } from './sniff'
import {
  createIntakeTransform,
  finalizeUpload,
  type IntakeDeps,
  RefusedUpload,
  readHead,
  type UploadHashes,
  WRITE_BUFFER_BYTES,
} from './upload-intake'

/** The authenticated caller of a request, as the route saw it. */
export interface Caller {
  user: AuthUser
  app: string
}

/** Who may read or change `file`: its owner in its app, or a service token in that app. */
export function canAccess(caller: Caller, file: StoredFile): boolean {
  return file.app === caller.app && (file.owner === caller.user.userId || caller.user.isService)
}

/** A tus-shaped error (the server answers `status_code` with `body`), with our JSON body. */
export function tusError(error: HttpError): { status_code: number; body: string } {
  return { status_code: error.status, body: JSON.stringify(error.toBody()) }
}

const TUS_STATUS_CODES: Record<number, HttpError['code']> = {
  400: 'BAD_REQUEST',
  403: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'UPLOAD_EXPIRED',
  412: 'BAD_REQUEST',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
}

/**
 * The tus file store in the data directory, with what the stub adds: files refused by their
 * first bytes (executables, types `FILE_ALLOWED_TYPES` does not admit) before they are stored, a SHA-256 kept as bytes arrive, termination that
 * removes the file's record too, and exactly the extensions the contract names.
 */
class UploadStore extends FileStore {
  readonly #repo: FileRepository
  readonly #hashes: UploadHashes

  readonly #allowed: readonly string[]

  constructor(repo: FileRepository, hashes: UploadHashes, config: FilesConfig) {
    super({ directory: `${repo.dir}/uploads`, expirationPeriodInMilliseconds: config.uploadExpirationMs })
    this.#repo = repo
    this.#hashes = hashes
    this.#allowed = config.allowedTypes
    this.extensions = [...TUS_EXTENSIONS]
  }

  override async write(readable: IncomingMessage | Readable, id: string, offset: number): Promise<number> {
    const path = this.#repo.uploadPath(id)
    const head = offset < SNIFF_BYTES ? await readHead(path, offset) : Buffer.alloc(0)
    const upload = await this.getUpload(id)
    const intake = createIntakeTransform({
      offset,
      head,
      hash: this.#hashes.forWrite(id, offset),
      ...(upload.size === undefined ? {} : { total: upload.size }),
      allowed: this.#allowed,
    })
    try {
      await pipeline(
        readable,
        intake,
        createWriteStream(path, {
          flags: 'r+',
          start: offset,
          highWaterMark: WRITE_BUFFER_BYTES,
        }),
      )
    } catch (error) {
      if (error instanceof RefusedUpload) {
        await this.#repo.remove(id)
        this.#hashes.delete(id)
        throw tusError(error.error)
      }
      throw ERRORS.FILE_WRITE_ERROR
    }
    return offset + intake.bytes
  }

  override async remove(id: string): Promise<void> {
    if (!this.#repo.get(id)) throw ERRORS.FILE_NOT_FOUND
    this.#hashes.delete(id)
    await this.#repo.remove(id)
  }

  /** Unfinished uploads past their expiry (the tus store's own sweep would take finished ones too). */
  override async deleteExpired(): Promise<number> {
    const now = Date.now()
    const expired = [...this.#repo.all()].filter((f) => f.state === 'uploading' && f.expiresAt < now)
    for (const file of expired) {
      this.#hashes.delete(file.id)
      await this.#repo.remove(file.id)
    }
    return expired.length
  }
}

/** Parses the comma-separated `operations` of `Upload-Metadata`. */
export function parseOperations(value: string | null | undefined): FileOperation[] {
  if (value === null || value === undefined || value.trim() === '') return [...DEFAULT_FILE_OPERATIONS]
  const ops = [...new Set(value.split(',').map((s) => s.trim()))]
  const unknown = ops.filter((op) => !(UPLOAD_OPERATIONS as readonly string[]).includes(op))
  if (unknown.length > 0) {
    throw new HttpError('VALIDATION_FAILED', `Unknown operations: ${unknown.join(', ')}`, {
      details: { allowed: UPLOAD_OPERATIONS },
    })
  }
  return ops as FileOperation[]
}

/** What the tus endpoint needs. */
export interface TusDeps extends IntakeDeps {
  hashes: UploadHashes
  cors: CorsPolicy
  /** The caller of each request the route handed over. */
  callers: WeakMap<IncomingMessage, Caller>
}

/**
 * The tus 1.0 endpoint at `/uploads` (creation, creation-with-upload, termination,
 * expiration) on `@tus/server`. Routes authenticate first and record the caller; the hooks
 * check ownership and the announced size at creation (the type is read from the bytes as
 * they arrive), and on completion sniff the whole head again and start processing.
 */
export function createTusServer(deps: TusDeps): { server: TusServer; store: FileStore } {
  const store = new UploadStore(deps.repo, deps.hashes, deps.config)
  const callerOf = (req: Request): Caller => {
    const node = (req as Request & { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req
    const caller = node && deps.callers.get(node)
    if (!caller) throw tusError(new HttpError('UNAUTHENTICATED', 'Authentication required'))
    return caller
  }
  const notFound = () => tusError(new HttpError('NOT_FOUND', 'No such upload'))
  const cors = deps.cors
  const server = new TusServer({
    path: FILES_PATHS.uploads,
    datastore: store,
    maxSize: deps.config.maxSize,
    relativeLocation: true,
    ...(cors.kind === 'any'
      ? {}
      : { allowedOrigins: (origin: string) => cors.kind === 'list' && cors.origins.includes(origin) }),
    namingFunction: () => randomBytes(16).toString('hex'),
    // Anything but a well-formed id (`..`, `%2F`, a long name) is "not found" before any file access.
    getFileIdFromRequest: (_req, lastPath) => (isFileId(lastPath) ? lastPath : undefined),
    onIncomingRequest: async (req, id) => {
      if (req.method === 'POST') return
      const file = deps.repo.get(id)
      if (!file || !canAccess(callerOf(req), file)) throw notFound()
    },
    onUploadCreate: async (req, upload: Upload) => {
      const caller = callerOf(req)
      const meta = upload.metadata ?? {}
      try {
        const name = (meta.name ?? meta.filename ?? 'upload').slice(0, 500) || 'upload'
        const declaredType = (meta.type ?? meta.filetype ?? '').toLowerCase().slice(0, 100)
        const operations = parseOperations(meta.operations)
        const file: StoredFile = {
          id: upload.id,
          app: caller.app,
          owner: caller.user.userId,
          name,
          declaredType,
          channelId: null,
          operations,
          transport: 'tus',
          createdAt: new Date().toISOString(),
          state: 'uploading',
          expiresAt: Date.now() + deps.config.uploadExpirationMs,
          thumbnails: [],
          jobs: [],
          metadata: null,
          scan: null,
        }
        await deps.repo.save(file)
      } catch (error) {
        throw error instanceof HttpError ? tusError(error) : error
      }
      return { metadata: upload.metadata }
    },
    onUploadFinish: async (_req, upload: Upload) => {
      const file = deps.repo.get(upload.id)
      if (!file) throw notFound()
      try {
        await finalizeUpload(deps, file, deps.hashes.take(upload.id, upload.offset))
      } catch (error) {
        throw error instanceof HttpError ? tusError(error) : error
      }
      return {}
    },
    // Every error body is ours: `{ error, code }`, the tus message kept as `error`.
    onResponseError: (_req, error) => {
      if ('status_code' in error && error.body.startsWith('{')) return undefined
      const status = 'status_code' in error ? error.status_code : 500
      const message = ('status_code' in error ? error.body : error.message).trim()
      const code = TUS_STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST')
      return { status_code: status, body: JSON.stringify({ error: message, code }) }
    },
  })
  return { server, store }
}
