import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { HttpError } from '../../http/http-error'
import type { FileProcessor } from './file-processor'
import type { FileRepository, StoredFile } from './file-repository'
import type { FilesConfig } from './files-config'
import { isTypeAllowed, SNIFF_BYTES, sniffExecutable, sniffType } from './sniff'

/**
 * Write buffer of an upload's file stream. With the default 16 KiB every 64 KiB socket chunk
 * waits for its own disk write before the next is read; 1 MiB lets chunks gather while a write
 * is in flight and go out in one `writev`.
 */
export const WRITE_BUFFER_BYTES = 1024 * 1024

/** An upload refused while its bytes arrive (an executable, or more bytes than announced). */
export class RefusedUpload extends Error {
  readonly error: HttpError
  /** tus reads these when the refusal reaches it through its own stream pipeline. */
  readonly status_code: number
  readonly body: string
  constructor(error: HttpError) {
    super(error.message)
    this.name = 'RefusedUpload'
    this.error = error
    this.status_code = error.status
    this.body = JSON.stringify(error.toBody())
  }
}

/** The SHA-256 of an upload, computed as its bytes arrive. */
export interface RunningHash {
  hash: Hash
  /** Bytes hashed so far. */
  offset: number
}

/**
 * SHA-256 state of the uploads in progress, so a 256 MB upload is not read again at the end.
 * A write that does not continue exactly where the hash stopped (a cut connection lost bytes
 * the hash had seen) drops the state, and the file is hashed from disk when it completes.
 */
export class UploadHashes {
  readonly #states = new Map<string, RunningHash>()

  /** The hash to feed with bytes written at `offset`, or `null` when it cannot continue. */
  forWrite(id: string, offset: number): RunningHash | null {
    if (offset === 0) {
      const state = { hash: createHash('sha256'), offset: 0 }
      this.#states.set(id, state)
      return state
    }
    const state = this.#states.get(id)
    if (state?.offset === offset) return state
    this.#states.delete(id)
    return null
  }

  /** The hex digest if the hash covers exactly `size` bytes; forgets the upload either way. */
  take(id: string, size: number): string | null {
    const state = this.#states.get(id)
    this.#states.delete(id)
    return state && state.offset === size ? state.hash.digest('hex') : null
  }

  delete(id: string): void {
    this.#states.delete(id)
  }
}

/** What {@link createIntakeTransform} checks. */
export interface IntakeRules {
  /** Where this write starts in the upload. */
  offset: number
  /** The upload's bytes already stored before `offset`, when it is within the first 4 KiB. */
  head: Buffer
  /** Fed with every byte that passes. */
  hash: RunningHash | null
  /** Most bytes this write may carry. */
  limit?: number
  /** The upload's announced length (the type is decided early only once the end or 4 KiB is in). */
  total?: number
  /** `FILE_ALLOWED_TYPES`. */
  allowed: readonly string[]
}

/**
 * A pass-through for incoming upload bytes that refuses a file by its first bytes before
 * they are written — an executable at once, any type `FILE_ALLOWED_TYPES` does not admit as
 * soon as 4 KiB (or the whole file) is in — refuses more than `limit` bytes, and feeds `hash`.
 */
export function createIntakeTransform(rules: IntakeRules): Transform & { readonly bytes: number } {
  const { offset, hash, limit = Number.POSITIVE_INFINITY, total = Number.POSITIVE_INFINITY } = rules
  let prefix = rules.head
  let decided = offset >= SNIFF_BYTES
  let bytes = 0
  const refusal = (complete: boolean): RefusedUpload | undefined => {
    const executable = sniffExecutable(prefix)
    const mimeType = executable ?? (prefix.length >= SNIFF_BYTES || complete ? sniffType(prefix) : undefined)
    if (mimeType === undefined) return undefined
    decided = true
    if (!executable && isTypeAllowed(mimeType, rules.allowed)) return undefined
    return new RefusedUpload(
      new HttpError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Files of type ${mimeType} are not accepted (read from the bytes)`,
        {
          details: { mimeType },
        },
      ),
    )
  }
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (bytes + chunk.length > limit) {
        callback(
          new RefusedUpload(
            new HttpError('PAYLOAD_TOO_LARGE', `The upload exceeds its ${limit} bytes`, {
              details: { limit },
            }),
          ),
        )
        return
      }
      if (!decided) {
        prefix = Buffer.concat([prefix, chunk.subarray(0, SNIFF_BYTES - prefix.length)])
        const refused = refusal(offset + bytes + chunk.length >= total)
        if (refused) return callback(refused)
      }
      bytes += chunk.length
      if (hash) {
        hash.hash.update(chunk)
        hash.offset += chunk.length
      }
      callback(null, chunk)
    },
  })
  return Object.defineProperty(transform, 'bytes', { get: () => bytes }) as Transform & {
    readonly bytes: number
  }
}

/** Reads the first `length` bytes of `path`. */
export async function readHead(path: string, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0)
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buffer, 0, length, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Hex SHA-256 of a file on disk. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), hash)
  return hash.digest('hex')
}

/** What finishing an upload needs. */
export interface IntakeDeps {
  repo: FileRepository
  config: FilesConfig
  processor: FileProcessor
}

/**
 * Turns a complete upload into a stored file: the type is sniffed from its bytes and
 * checked against `FILE_ALLOWED_TYPES` (a refused file is deleted at once), the SHA-256 is
 * taken (from the running hash when it covers every byte), and processing starts, as the
 * real plugin's worker does on a storage event.
 * @throws {HttpError} `UNSUPPORTED_MEDIA_TYPE` when the bytes are not an allowed type.
 */
export async function finalizeUpload(
  deps: IntakeDeps,
  file: StoredFile,
  sha256: string | null,
): Promise<void> {
  const path = deps.repo.uploadPath(file.id)
  const handle = await open(path, 'r')
  let size: number
  let head: Buffer
  try {
    size = (await handle.stat()).size
    head = Buffer.alloc(Math.min(SNIFF_BYTES, size))
    await handle.read(head, 0, head.length, 0)
  } finally {
    await handle.close()
  }
  const mimeType = sniffType(head)
  if (!isTypeAllowed(mimeType, deps.config.allowedTypes)) {
    await deps.repo.remove(file.id)
    throw new HttpError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Files of type ${mimeType} are not accepted (the type is read from the file's bytes)`,
      { details: { mimeType, declaredType: file.declaredType } },
    )
  }
  file.state = 'stored'
  file.mimeType = mimeType
  file.size = size
  file.sha256 = sha256 ?? (await hashFile(path))
  delete file.declaredSize
  deps.processor.createJob(file, {
    operations: file.operations,
    filePath: `uploads/${file.id}`,
    fileName: file.name,
    fileSize: size,
    mimeType,
  })
  await deps.repo.save(file)
}
