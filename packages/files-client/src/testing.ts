// msw handlers that stand in for the file-processing plugin (the stub's wire, typed by the
// contract): the real job API, tus uploads, the presigned PUT, file records, downloads and
// processing events. For tests of apps and components; no server, no sharp.
import type { ErrorBody } from '@nself/contracts'
import {
  CreateFileJobRequestSchema,
  type CreateFileJobResponse,
  type FileJobDetails,
  type FileJobList,
  type FileJobState,
  type FileList,
  type FileRecord,
  PresignUploadRequestSchema,
  type PresignUploadResponse,
  type ProcessingErrorCode,
  type ProcessingJob,
  THUMBNAIL_SIZES,
  TUS_EXTENSIONS,
  TUS_VERSION,
} from '@nself/contracts/files'
import { HttpResponse, http } from 'msw'

/** How a fake file's processing ends. */
export type FakeProcessing =
  | { status: 'completed' }
  | { status: 'failed'; code: ProcessingErrorCode; message?: string }

/** A file the fake holds. */
export interface FakeFile {
  readonly id: string
  /** The uploader: the `userId` of their token. */
  readonly owner: string
  readonly name: string
  /** What the client declared (the fake does not sniff bytes). */
  readonly type: string
  /** Announced length. */
  readonly size: number
  /** Bytes received so far. */
  bytes: Uint8Array
  /** The record, once every byte is in. */
  record?: FileRecord
  jobs: ProcessingJob[]
}

/** Options of {@link createFilesHandlers}. */
export interface FilesHandlersOptions {
  /** The plugin's base URL (default `http://localhost:3104`, the SDK's development default). */
  baseUrl?: string
  /** Largest upload (default 100 MB). */
  maxSize?: number
  /** How processing ends for each file (default: `completed`, at once). */
  process?: (file: FakeFile) => FakeProcessing
  /** Ms a file stays `processing` before it ends (default 0). */
  processingDelayMs?: number
}

/** A 1×1 JPEG, served as every thumbnail. */
const PIXEL = Uint8Array.from(
  atob(
    '/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAABAAEDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AK8AH//Z',
  ),
  (c) => c.charCodeAt(0),
)

/** Windows, ELF and Mach-O executables and scripts, which the plugin refuses by their first bytes. */
const EXECUTABLE = [
  [0x4d, 0x5a],
  [0x7f, 0x45, 0x4c, 0x46],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0x23, 0x21],
]
const isExecutable = (bytes: Uint8Array) => EXECUTABLE.some((magic) => magic.every((b, i) => bytes[i] === b))

const randomHex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('')

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** What a handler reads of msw's resolver argument. */
type Info = { request: Request; params: Record<string, string | readonly string[] | undefined> }

const error = (status: number, code: ErrorBody['code'], message: string) =>
  HttpResponse.json<ErrorBody>({ error: message, code }, { status })

/** The token's `userId` (the fake reads it without checking the signature). */
function userOf(request: Request): string | null {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]
  const payload = token?.split('.')[1]
  if (!payload) return null
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { userId?: unknown }
    return typeof claims.userId === 'string' && claims.userId ? claims.userId : null
  } catch {
    return null
  }
}

function parseMetadata(header: string | null): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of (header ?? '').split(',')) {
    const [key, value] = pair.trim().split(' ')
    if (!key) continue
    try {
      out[key] = value ? new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))) : ''
    } catch {
      // An undecodable value is left out, as a real server would refuse it.
    }
  }
  return out
}

/**
 * msw handlers for the file-processing plugin at `baseUrl`, over an in-memory store:
 * `files` shows what arrived, `setOffline(true)` makes every request fail as a dropped
 * connection would (for failed-upload and retry states), `setProcessing` decides how the
 * next files' processing ends.
 *
 * ```ts
 * const fake = createFilesHandlers()
 * const server = setupServer(...fake.handlers)
 * ```
 */
export function createFilesHandlers(options: FilesHandlersOptions = {}) {
  const base = (options.baseUrl ?? 'http://localhost:3104').replace(/\/+$/, '')
  const maxSize = options.maxSize ?? 104_857_600
  let process = options.process ?? (() => ({ status: 'completed' }) as FakeProcessing)
  let offline = false
  const files = new Map<string, FakeFile>()
  const listeners = new Set<(file: FakeFile) => void>()
  let seq = 0
  const requests = { uploads: 0, patches: 0, puts: 0 }

  const origin = (request: Request) => new URL(request.url).origin
  const signed = (request: Request, path: string) =>
    `${origin(request)}${path}?expires=${Math.floor(Date.now() / 1000) + 3600}&signature=${'0'.repeat(64)}`

  const toRecord = (request: Request, file: FakeFile, status: ProcessingJob['status']): FileRecord => {
    const job = file.jobs.at(-1) as ProcessingJob
    const thumbnails = file.type.startsWith('image/')
      ? THUMBNAIL_SIZES.map((size) => ({
          size,
          width: size,
          height: size,
          url: signed(request, `/files/${file.id}/thumbnails/${size}`),
        }))
      : []
    return {
      id: file.id,
      url: signed(request, `/files/${file.id}`),
      thumbnailUrl: thumbnails.find((t) => t.size === 400)?.url ?? null,
      mimeType: file.type || 'application/octet-stream',
      size: file.bytes.length,
      sha256: file.record?.sha256 ?? '',
      processing: {
        status,
        jobId: job.id,
        ...(status === 'failed'
          ? { error: { code: job.error_code ?? 'PROCESSING_FAILED', message: job.error_message ?? '' } }
          : {}),
      },
      name: file.name,
      createdAt: job.created_at,
      thumbnails,
    }
  }

  const changed = (file: FakeFile) => {
    seq++
    for (const listener of [...listeners]) listener(file)
  }

  /** Completes an upload: refused (415, deleted) when it is an executable, else processed. */
  const finish = async (request: Request, file: FakeFile): Promise<Response | null> => {
    if (isExecutable(file.bytes)) {
      files.delete(file.id)
      return error(415, 'UNSUPPORTED_MEDIA_TYPE', 'Executables are not accepted')
    }
    const now = new Date().toISOString()
    const job: ProcessingJob = {
      id: crypto.randomUUID(),
      source_account_id: 'primary',
      file_id: file.id,
      file_path: `uploads/${file.id}`,
      file_name: file.name,
      file_size: file.bytes.length,
      mime_type: file.type,
      storage_provider: 'local',
      storage_bucket: 'msw',
      status: 'processing',
      priority: 5,
      attempts: 1,
      max_attempts: 1,
      operations: ['thumbnail', 'optimize', 'metadata'],
      created_at: now,
      updated_at: now,
    }
    file.jobs.push(job)
    file.record = { ...toRecord(request, file, 'processing'), sha256: await sha256(file.bytes) }
    const end = () => {
      const outcome = process(file)
      job.status = outcome.status
      job.completed_at = new Date().toISOString()
      if (outcome.status === 'failed') {
        job.error_code = outcome.code
        job.error_message = outcome.message ?? outcome.code
      }
      file.record = { ...toRecord(request, file, outcome.status), sha256: file.record?.sha256 ?? '' }
      changed(file)
    }
    if (options.processingDelayMs) setTimeout(end, options.processingDelayMs)
    else end()
    changed(file)
    return null
  }

  /** The caller's file `id`, or an error response. */
  const own = (request: Request, id: unknown): FakeFile | Response => {
    const user = userOf(request)
    if (!user) return error(401, 'UNAUTHENTICATED', 'Authentication required')
    const file = typeof id === 'string' ? files.get(id) : undefined
    return file && file.owner === user ? file : error(404, 'NOT_FOUND', 'File not found')
  }
  const fresh = (request: Request, file: FakeFile) =>
    toRecord(request, file, file.jobs.at(-1)?.status ?? 'pending')
  const guard =
    (handler: (info: Info) => Response | Promise<Response>) =>
    (info: Info): Response | Promise<Response> =>
      offline ? HttpResponse.error() : handler(info)

  const tusHeaders = { 'Tus-Resumable': TUS_VERSION }

  const handlers = [
    http.get(
      `${base}/health`,
      guard(() => HttpResponse.json({ status: 'ok', timestamp: new Date().toISOString() })),
    ),

    // --- tus 1.0 --------------------------------------------------------------------------
    http.options(
      `${base}/uploads`,
      guard(
        () =>
          new HttpResponse(null, {
            status: 204,
            headers: {
              ...tusHeaders,
              'Tus-Version': TUS_VERSION,
              'Tus-Extension': TUS_EXTENSIONS.join(','),
              'Tus-Max-Size': String(maxSize),
            },
          }),
      ),
    ),
    http.post(
      `${base}/uploads`,
      guard(async ({ request }) => {
        const user = userOf(request)
        if (!user) return error(401, 'UNAUTHENTICATED', 'Authentication required')
        const length = Number(request.headers.get('upload-length'))
        if (!Number.isInteger(length) || length < 0)
          return error(400, 'BAD_REQUEST', 'Upload-Length required')
        if (length > maxSize) return error(413, 'PAYLOAD_TOO_LARGE', 'Maximum size exceeded')
        requests.uploads++
        const meta = parseMetadata(request.headers.get('upload-metadata'))
        const file: FakeFile = {
          id: randomHex(16),
          owner: user,
          name: meta.name || meta.filename || 'upload',
          type: (meta.type || meta.filetype || '').toLowerCase(),
          size: length,
          bytes: new Uint8Array(await request.arrayBuffer()),
          jobs: [],
        }
        files.set(file.id, file)
        const refused = file.bytes.length === file.size ? await finish(request, file) : null
        if (refused) return refused
        return new HttpResponse(null, {
          status: 201,
          headers: {
            ...tusHeaders,
            Location: `${base}/uploads/${file.id}`,
            'Upload-Offset': String(file.bytes.length),
          },
        })
      }),
    ),
    http.head(
      `${base}/uploads/:id`,
      guard(({ request, params }) => {
        const file = own(request, params.id)
        if (file instanceof Response) return file
        return new HttpResponse(null, {
          status: 200,
          headers: {
            ...tusHeaders,
            'Upload-Offset': String(file.bytes.length),
            'Upload-Length': String(file.size),
            'Cache-Control': 'no-store',
          },
        })
      }),
    ),
    http.patch(
      `${base}/uploads/:id`,
      guard(async ({ request, params }) => {
        const file = own(request, params.id)
        if (file instanceof Response) return file
        requests.patches++
        if (request.headers.get('content-type') !== 'application/offset+octet-stream') {
          return error(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/offset+octet-stream')
        }
        if (Number(request.headers.get('upload-offset')) !== file.bytes.length) {
          return error(409, 'CONFLICT', 'Upload-Offset conflict')
        }
        const chunk = new Uint8Array(await request.arrayBuffer())
        if (file.bytes.length + chunk.length > file.size)
          return error(413, 'PAYLOAD_TOO_LARGE', "upload's size exceeded")
        const bytes = new Uint8Array(file.bytes.length + chunk.length)
        bytes.set(file.bytes)
        bytes.set(chunk, file.bytes.length)
        file.bytes = bytes
        const refused = bytes.length === file.size ? await finish(request, file) : null
        if (refused) return refused
        return new HttpResponse(null, {
          status: 204,
          headers: { ...tusHeaders, 'Upload-Offset': String(bytes.length) },
        })
      }),
    ),
    http.delete(
      `${base}/uploads/:id`,
      guard(({ request, params }) => {
        const file = own(request, params.id)
        if (file instanceof Response) return file
        files.delete(file.id)
        return new HttpResponse(null, { status: 204, headers: tusHeaders })
      }),
    ),

    // --- the presigned single-PUT flow -----------------------------------------------------
    http.post(
      `${base}/api/files/upload`,
      guard(async ({ request }) => {
        const user = userOf(request)
        if (!user) return error(401, 'UNAUTHENTICATED', 'Authentication required')
        const body = PresignUploadRequestSchema.safeParse(await request.json().catch(() => null))
        if (!body.success) return error(400, 'VALIDATION_FAILED', 'Request body failed validation')
        if (body.data.size > maxSize) return error(413, 'PAYLOAD_TOO_LARGE', 'Maximum size exceeded')
        const file: FakeFile = {
          id: randomHex(16),
          owner: user,
          name: body.data.fileName,
          type: body.data.mimeType.toLowerCase(),
          size: body.data.size,
          bytes: new Uint8Array(0),
          jobs: [],
        }
        files.set(file.id, file)
        return HttpResponse.json<PresignUploadResponse>({
          uploadUrl: signed(request, `/api/files/${file.id}/content`),
          fileId: file.id,
          storagePath: `uploads/${file.id}`,
          fileName: file.name,
          mimeType: body.data.mimeType,
          size: file.size,
          channelId: body.data.channelId ?? null,
          expiresAt: new Date(Date.now() + (body.data.expiresIn ?? 3600) * 1000).toISOString(),
          method: 'PUT',
          headers: { 'Content-Type': body.data.mimeType },
        })
      }),
    ),
    http.put(
      `${base}/api/files/:id/content`,
      guard(async ({ request, params }) => {
        const file = files.get(String(params.id))
        if (!new URL(request.url).searchParams.get('signature')) {
          return error(401, 'UNAUTHENTICATED', 'A signed upload URL is required')
        }
        if (!file) return error(404, 'NOT_FOUND', 'No such upload')
        if (file.record) return error(409, 'CONFLICT', 'This upload URL has already been used')
        requests.puts++
        const bytes = new Uint8Array(await request.arrayBuffer())
        if (bytes.length !== file.size) return error(400, 'BAD_REQUEST', `Expected ${file.size} bytes`)
        file.bytes = bytes
        return (await finish(request, file)) ?? HttpResponse.json<FileRecord>(fresh(request, file))
      }),
    ),

    // --- file records, events, downloads ------------------------------------------------
    http.get(
      `${base}/api/files`,
      guard(({ request }) => {
        const user = userOf(request)
        if (!user) return error(401, 'UNAUTHENTICATED', 'Authentication required')
        const list = [...files.values()].filter((f) => f.owner === user && f.record).reverse()
        return HttpResponse.json<FileList>({ files: list.map((f) => fresh(request, f)) })
      }),
    ),
    http.get(
      `${base}/api/files/events`,
      guard(({ request }) => {
        const user = userOf(request)
        if (!user) return error(401, 'UNAUTHENTICATED', 'Authentication required')
        const only = new URL(request.url).searchParams.get('fileId')
        const encoder = new TextEncoder()
        let stop = () => {}
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            const send = (file: FakeFile) => {
              if (file.owner !== user || (only && file.id !== only) || !file.record) return
              controller.enqueue(
                encoder.encode(`id: ${seq}\nevent: file\ndata: ${JSON.stringify(fresh(request, file))}\n\n`),
              )
            }
            controller.enqueue(encoder.encode('retry: 2000\n\n'))
            if (only) {
              const file = files.get(only)
              if (file) send(file)
            }
            listeners.add(send)
            stop = () => {
              listeners.delete(send)
              try {
                controller.close()
              } catch {}
            }
            request.signal.addEventListener('abort', stop, { once: true })
          },
          cancel: () => stop(),
        })
        return new HttpResponse(stream, {
          headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' },
        })
      }),
    ),
    http.get(
      `${base}/api/files/:id`,
      guard(async ({ request, params }) => {
        const file = own(request, params.id)
        if (file instanceof Response) return file
        if (!file.record) return error(404, 'NOT_FOUND', 'File not found')
        // `?wait=<s>` holds the answer until processing ends, as the stub does.
        const wait = Math.min(Number(new URL(request.url).searchParams.get('wait')) || 0, 30)
        const status = () => file.jobs.at(-1)?.status ?? 'pending'
        if (wait > 0 && (status() === 'pending' || status() === 'processing')) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer)
              listeners.delete(onChange)
              request.signal.removeEventListener('abort', done)
              resolve()
            }
            const onChange = (changed: FakeFile) => {
              if (changed === file && status() !== 'processing') done()
            }
            const timer = setTimeout(done, wait * 1000)
            listeners.add(onChange)
            request.signal.addEventListener('abort', done, { once: true })
          })
        }
        return HttpResponse.json<FileRecord>(fresh(request, file))
      }),
    ),
    http.delete(
      `${base}/api/files/:id`,
      guard(({ request, params }) => {
        const file = own(request, params.id)
        if (file instanceof Response) return file
        files.delete(file.id)
        return HttpResponse.json({ id: file.id, deleted: true })
      }),
    ),
    ...[`${base}/files/:id`, `${base}/files/:id/thumbnails/:size`].map((path) =>
      http.get(
        path,
        guard(({ request, params }) => {
          const signedUrl = new URL(request.url).searchParams.has('signature')
          const file = signedUrl ? files.get(String(params.id)) : own(request, params.id)
          if (file instanceof Response) return file
          if (!file?.record) return error(404, 'NOT_FOUND', 'File not found')
          if (file.jobs.at(-1)?.status !== 'completed')
            return error(409, 'CONFLICT', 'The file is not available')
          const thumbnail = params.size !== undefined
          return new HttpResponse(thumbnail ? PIXEL : file.bytes, {
            headers: { 'content-type': thumbnail ? 'image/jpeg' : file.type || 'application/octet-stream' },
          })
        }),
      ),
    ),

    // --- the real plugin's job API ------------------------------------------------------------
    http.post(
      `${base}/api/jobs`,
      guard(async ({ request }) => {
        const body = CreateFileJobRequestSchema.safeParse(await request.json().catch(() => null))
        if (!body.success) return error(400, 'VALIDATION_FAILED', 'Request body failed validation')
        const file = own(request, body.data.fileId)
        if (file instanceof Response) return file
        const refused = await finish(request, file)
        if (refused) return refused
        return HttpResponse.json<CreateFileJobResponse>({
          jobId: (file.jobs.at(-1) as ProcessingJob).id,
          status: 'pending',
          estimatedDuration: 3000,
        })
      }),
    ),
    http.get(
      `${base}/api/jobs`,
      guard(({ request }) => {
        const user = userOf(request)
        if (!user) return error(401, 'UNAUTHENTICATED', 'Authentication required')
        const status = new URL(request.url).searchParams.get('status')
        const jobs = [...files.values()]
          .filter((f) => f.owner === user)
          .flatMap((f) => f.jobs)
          .filter((j) => !status || j.status === status)
        return HttpResponse.json<FileJobList>({ jobs })
      }),
    ),
    ...[`${base}/api/jobs/:jobId`, `${base}/v1/jobs/:jobId`].map((path) =>
      http.get(
        path,
        guard(({ request, params }) => {
          const user = userOf(request)
          if (!user) return error(401, 'UNAUTHENTICATED', 'Authentication required')
          const file = [...files.values()].find(
            (f) => f.owner === user && f.jobs.some((j) => j.id === params.jobId),
          )
          const job = file?.jobs.find((j) => j.id === params.jobId)
          if (!file || !job) return error(404, 'NOT_FOUND', 'Job not found')
          if (path.includes('/v1/')) {
            return HttpResponse.json<FileJobState>({
              state: job.status,
              progress: job.status === 'completed' ? 100 : job.status === 'processing' ? 50 : 0,
            })
          }
          return HttpResponse.json<FileJobDetails>({ job, thumbnails: [], metadata: null, scan: null })
        }),
      ),
    ),
  ]

  return {
    handlers,
    /** The files the fake holds, by id. */
    files: files as ReadonlyMap<string, FakeFile>,
    /** How many uploads were created, PATCHes and PUTs received. */
    requests,
    /** While `true`, every request fails as a dropped connection. */
    setOffline(value: boolean) {
      offline = value
    },
    /** Decides how the processing of files completed from now on ends. */
    setProcessing(decide: (file: FakeFile) => FakeProcessing) {
      process = decide
    },
    /** Forgets every file. */
    reset() {
      files.clear()
      requests.uploads = requests.patches = requests.puts = 0
    },
  }
}
