import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import {
  CreateFileJobRequestSchema,
  DEFAULT_FILE_OPERATIONS,
  FILE_EVENT_NAMES,
  FILES_PATHS,
  type FileJobDetails,
  type FileRecord,
  MAX_FILE_WAIT_SECONDS,
  PROCESSING_STATUSES,
  PresignUploadRequestSchema,
  type PresignUploadResponse,
  type ProcessingJob,
  type ProcessingStatus,
  TERMINAL_PROCESSING_STATUSES,
} from '@nself/contracts/files'
import { requireUser } from '../../auth/request-user'
import { HttpError } from '../../http/http-error'
import { json, type Reply } from '../../http/reply'
import type { RequestContext } from '../../http/request-context'
import type { RouteHandler, Router } from '../../http/router'
import type { FileChange, StoredFile } from './file-repository'
import { isFileId } from './file-repository'
import type { UrlSigner } from './signed-urls'
import { type Caller, canAccess, type TusDeps } from './tus-uploads'
import { createIntakeTransform, finalizeUpload, RefusedUpload, WRITE_BUFFER_BYTES } from './upload-intake'

/** What the routes need. */
export interface FilesRouteDeps extends TusDeps {
  signer: UrlSigner
  jwtSecret: string
  /** Base of the URLs in records; default `http://<Host header>`. */
  publicUrl: string | undefined
  /** Open event streams, ended on close. */
  streams: Set<ServerResponse>
  /** The tus endpoint's handler. */
  handleTus(req: IncomingMessage, res: ServerResponse): Promise<void>
}

const terminal = (status: ProcessingStatus | undefined) =>
  status !== undefined && TERMINAL_PROCESSING_STATUSES.includes(status)
const currentJob = (file: StoredFile): ProcessingJob | undefined => file.jobs.at(-1)

/** Registers the file-processing routes: the real plugin's job API and our extensions. */
export function registerFilesRoutes(router: Router, deps: FilesRouteDeps): void {
  const { repo, signer } = deps
  const caller = (ctx: RequestContext): Caller => ({ user: ctx.requireUser(), app: ctx.appName })
  const baseUrl = (req: IncomingMessage) => {
    if (deps.publicUrl) return deps.publicUrl
    const host = req.headers.host
    return `http://${host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : '127.0.0.1'}`
  }
  /** A file the caller may see, or 404 (another user's file is indistinguishable from none). */
  const ownFile = (ctx: RequestContext, id: string | undefined): StoredFile => {
    const file = repo.get(id)
    if (file?.state !== 'stored' || !canAccess(caller(ctx), file)) {
      throw new HttpError('NOT_FOUND', 'File not found')
    }
    return file
  }
  const findJob = (
    ctx: RequestContext,
    jobId: string | undefined,
  ): { file: StoredFile; job: ProcessingJob } => {
    const who = caller(ctx)
    for (const file of repo.all()) {
      const job = file.jobs.find((j) => j.id === jobId)
      if (job && canAccess(who, file)) return { file, job }
    }
    throw new HttpError('NOT_FOUND', 'Job not found')
  }
  // Expiry rounded up to the minute, so a record read twice carries the same (cacheable) URLs.
  const signedUrl = (req: IncomingMessage, path: string) => {
    const expires = Math.ceil((Date.now() / 1000 + deps.config.signedUrlTtl) / 60) * 60
    return `${baseUrl(req)}${path}?${signer.sign('GET', path, expires)}`
  }
  const toRecord = (req: IncomingMessage, file: StoredFile): FileRecord => {
    const job = currentJob(file)
    const thumbnails = file.thumbnails.map((t) => ({
      size: t.size,
      width: t.width,
      height: t.height,
      url: signedUrl(req, `${FILES_PATHS.download}/${file.id}/thumbnails/${t.size}`),
    }))
    const thumbnail = thumbnails.find((t) => t.size === 400) ?? thumbnails.at(-1)
    return {
      id: file.id,
      url: signedUrl(req, `${FILES_PATHS.download}/${file.id}`),
      thumbnailUrl: thumbnail?.url ?? null,
      mimeType: file.output?.mimeType ?? file.mimeType ?? 'application/octet-stream',
      size: file.size ?? 0,
      ...(file.output?.width === undefined ? {} : { width: file.output.width }),
      ...(file.output?.height === undefined ? {} : { height: file.output.height }),
      sha256: file.sha256 ?? '',
      processing: {
        status: job?.status ?? 'pending',
        jobId: job?.id ?? '',
        ...(job?.status === 'failed'
          ? { error: { code: job.error_code ?? 'PROCESSING_FAILED', message: job.error_message ?? '' } }
          : {}),
        ...(file.results ? { operations: file.results } : {}),
      },
      name: file.name,
      createdAt: file.createdAt,
      thumbnails,
    }
  }
  // --- The real plugin's job API -------------------------------------------------------

  router.post(FILES_PATHS.jobs, async (ctx) => {
    const body = await ctx.parseBody(CreateFileJobRequestSchema)
    const file = ownFile(ctx, body.fileId)
    // The stub never opens a path it was handed: the path must be the file's own.
    if (body.filePath !== `uploads/${file.id}`) {
      throw new HttpError('VALIDATION_FAILED', 'filePath is not where this file is stored', {
        details: { expected: `uploads/${file.id}` },
      })
    }
    const job = deps.processor.createJob(file, {
      operations: body.operations ?? DEFAULT_FILE_OPERATIONS,
      filePath: body.filePath,
      fileName: body.fileName,
      fileSize: body.fileSize,
      mimeType: body.mimeType,
      ...(body.priority === undefined ? {} : { priority: body.priority }),
      ...(body.webhookUrl === undefined ? {} : { webhookUrl: body.webhookUrl }),
      ...(body.callbackData === undefined ? {} : { callbackData: body.callbackData }),
    })
    await repo.save(file)
    return json({ jobId: job.id, status: 'pending', estimatedDuration: 3000 })
  })

  router.get(`${FILES_PATHS.jobs}/:jobId`, (ctx) => {
    const { file, job } = findJob(ctx, ctx.params.jobId)
    const latest = currentJob(file) === job
    const details: FileJobDetails = {
      job,
      thumbnails: latest
        ? file.thumbnails.map((t) => ({
            id: `${job.id}-${t.size}`,
            source_account_id: file.app,
            job_id: job.id,
            file_id: file.id,
            thumbnail_path: `derived/${file.id}/thumb-${t.size}.jpg`,
            thumbnail_url: signedUrl(ctx.req, `${FILES_PATHS.download}/${file.id}/thumbnails/${t.size}`),
            width: t.width,
            height: t.height,
            size_bytes: t.bytes,
            format: 'jpeg',
            source_width: t.sourceWidth,
            source_height: t.sourceHeight,
            quality: 85,
            optimization_applied: false,
            generation_time_ms: Math.round(t.ms),
            storage_provider: 'local',
            storage_bucket: 'nself-stubs',
            created_at: t.createdAt,
            updated_at: t.createdAt,
          }))
        : [],
      metadata: latest ? file.metadata : null,
      scan: latest ? file.scan : null,
    }
    return json(details)
  })

  router.get(FILES_PATHS.jobs, (ctx) => {
    const status = ctx.query.get('status')
    if (status !== null && !(PROCESSING_STATUSES as readonly string[]).includes(status)) {
      throw new HttpError('VALIDATION_FAILED', `status must be one of ${PROCESSING_STATUSES.join(', ')}`)
    }
    const limit = intParam(ctx, 'limit', 50, 1, 1000)
    const offset = intParam(ctx, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
    const who = caller(ctx)
    const jobs = [...repo.all()]
      .filter((f) => f.state === 'stored' && canAccess(who, f))
      .flatMap((f) => f.jobs)
      .filter((j) => status === null || j.status === status)
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .slice(offset, offset + limit)
    return json({ jobs })
  })

  router.get('/v1/jobs/:id', (ctx) => {
    const { job } = findJob(ctx, ctx.params.id)
    const progress = job.status === 'completed' ? 100 : job.status === 'processing' ? 50 : 0
    return json({ state: job.status, progress })
  })

  // --- extension: the presigned single-PUT flow -----------------------------------------

  router.post(FILES_PATHS.presign, async (ctx) => {
    const who = caller(ctx)
    const body = await ctx.parseBody(PresignUploadRequestSchema)
    if (body.size > deps.config.maxSize) {
      throw new HttpError('PAYLOAD_TOO_LARGE', `Files may be at most ${deps.config.maxSize} bytes`, {
        details: { maxSize: deps.config.maxSize },
      })
    }
    // The type is read from the bytes of the PUT; what the client says is only recorded.
    const declaredType = body.mimeType.toLowerCase()
    const id = randomBytes(16).toString('hex')
    const expires = Math.floor(Date.now() / 1000) + (body.expiresIn ?? 3600)
    await repo.save({
      id,
      app: who.app,
      owner: who.user.userId,
      name: body.fileName,
      declaredType,
      channelId: body.channelId ?? null,
      operations: body.operations ?? [...DEFAULT_FILE_OPERATIONS],
      transport: 'put',
      createdAt: new Date().toISOString(),
      state: 'uploading',
      expiresAt: expires * 1000,
      declaredSize: body.size,
      thumbnails: [],
      jobs: [],
      metadata: null,
      scan: null,
    })
    const path = `${FILES_PATHS.files}/${id}/content`
    const answer: PresignUploadResponse = {
      uploadUrl: `${baseUrl(ctx.req)}${path}?${signer.sign('PUT', path, expires)}`,
      fileId: id,
      storagePath: `uploads/${id}`,
      fileName: body.fileName,
      mimeType: body.mimeType,
      size: body.size,
      channelId: body.channelId ?? null,
      expiresAt: new Date(expires * 1000).toISOString(),
      method: 'PUT',
      headers: { 'Content-Type': body.mimeType },
    }
    return json(answer)
  })

  const uploading = new Set<string>()
  router.put(
    `${FILES_PATHS.files}/:id/content`,
    async (ctx) => {
      // The signed URL is the authorisation, as with object storage: no token needed.
      const verdict = signer.verify('PUT', ctx.path, ctx.query)
      if (verdict === 'absent') throw new HttpError('UNAUTHENTICATED', 'A signed upload URL is required')
      if (verdict !== 'valid') {
        throw new HttpError(
          'FORBIDDEN',
          verdict === 'expired' ? 'The upload URL has expired' : 'Invalid signature',
        )
      }
      const file = repo.get(ctx.params.id)
      if (file?.transport !== 'put') throw new HttpError('NOT_FOUND', 'No such upload')
      if (file.state !== 'uploading' || uploading.has(file.id)) {
        throw new HttpError('CONFLICT', 'This upload URL has already been used')
      }
      const limit = file.declaredSize ?? 0
      const announced = Number(ctx.req.headers['content-length'])
      if (Number.isFinite(announced) && announced > limit) {
        throw new HttpError('PAYLOAD_TOO_LARGE', `The upload URL is for ${limit} bytes`, {
          details: { limit },
          headers: { connection: 'close' },
        })
      }
      const encoding = ctx.req.headers['content-encoding']
      if (encoding !== undefined && encoding !== 'identity') {
        throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not supported`)
      }
      uploading.add(file.id)
      const path = repo.uploadPath(file.id)
      const hash = { hash: createHash('sha256'), offset: 0 }
      const intake = createIntakeTransform({
        offset: 0,
        head: Buffer.alloc(0),
        hash,
        limit,
        total: limit,
        allowed: deps.config.allowedTypes,
      })
      try {
        await pipeline(ctx.req, intake, createWriteStream(path, { highWaterMark: WRITE_BUFFER_BYTES }))
        if (intake.bytes !== limit) {
          throw new HttpError('BAD_REQUEST', `Expected ${limit} bytes, received ${intake.bytes}`, {
            details: { expected: limit, received: intake.bytes },
          })
        }
      } catch (error) {
        await rm(path, { force: true })
        if (error instanceof RefusedUpload) {
          if (error.error.code === 'UNSUPPORTED_MEDIA_TYPE') await repo.remove(file.id)
          throw error.error
        }
        if (error instanceof HttpError) throw error
        throw new HttpError('BAD_REQUEST', 'The upload was interrupted', { cause: error })
      } finally {
        uploading.delete(file.id)
      }
      await finalizeUpload(deps, file, hash.hash.digest('hex'))
      return json(toRecord(ctx.req, file))
    },
    { auth: false },
  )

  // --- extension: file records ------------------------------------------------------------

  router.get(FILES_PATHS.files, (ctx) => {
    const who = caller(ctx)
    const limit = intParam(ctx, 'limit', 50, 1, 1000)
    const offset = intParam(ctx, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
    const files = repo
      .list(who.app, who.user.userId)
      .slice(offset, offset + limit)
      .map((f) => toRecord(ctx.req, f))
    return json({ files })
  })

  router.get(`${FILES_PATHS.files}/:id`, async (ctx) => {
    let file = ownFile(ctx, ctx.params.id)
    const wait = intParam(ctx, 'wait', 0, 0, MAX_FILE_WAIT_SECONDS)
    if (wait > 0 && !terminal(currentJob(file)?.status)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          unsubscribe()
          ctx.res.off('close', done)
          resolve()
        }
        const timer = setTimeout(done, wait * 1000)
        const unsubscribe = repo.subscribe(file.app, file.owner, (change) => {
          if (change.fileId !== file.id) return
          if (change.type === 'file-deleted' || terminal(currentJob(file)?.status)) done()
        })
        ctx.res.once('close', done)
      })
      file = ownFile(ctx, ctx.params.id)
    }
    return json(toRecord(ctx.req, file))
  })

  router.delete(`${FILES_PATHS.files}/:id`, async (ctx) => {
    const file = ownFile(ctx, ctx.params.id)
    deps.hashes.delete(file.id)
    await repo.remove(file.id)
    return json({ id: file.id, deleted: true })
  })

  // --- extension: processing events (server-sent events) ---------------------------------

  router.get(FILES_PATHS.events, (ctx) => {
    const who = caller(ctx)
    const only = ctx.query.get('fileId')
    if (only !== null) ownFile(ctx, only)
    const lastHeader = ctx.req.headers['last-event-id'] ?? ctx.query.get('lastEventId') ?? undefined
    const last = typeof lastHeader === 'string' && /^\d+$/.test(lastHeader) ? Number(lastHeader) : undefined
    const { res } = ctx
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    res.write('retry: 2000\n\n')
    const send = (change: FileChange) => {
      if (only !== null && change.fileId !== only) return
      let data: unknown = { id: change.fileId }
      if (change.type === 'file') {
        const file = repo.get(change.fileId)
        if (!file) return
        data = toRecord(ctx.req, file)
      }
      res.write(
        `id: ${change.seq}\nevent: ${FILE_EVENT_NAMES[change.type === 'file' ? 'file' : 'deleted']}\ndata: ${JSON.stringify(data)}\n\n`,
      )
    }
    if (last !== undefined) {
      // Missed changes, one event per file (its latest state), oldest first.
      const latest = new Map<string, FileChange>()
      for (const change of repo.changesSince(who.app, who.user.userId, last)) {
        latest.delete(change.fileId)
        latest.set(change.fileId, change)
      }
      for (const change of latest.values()) send(change)
    } else if (only !== null) {
      // Watching one file: its state now, so nothing between reading it and subscribing is missed.
      send({ seq: repo.seq, type: 'file', fileId: only })
    }
    const unsubscribe = repo.subscribe(who.app, who.user.userId, send)
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000)
    deps.streams.add(res)
    res.once('close', () => {
      clearInterval(heartbeat)
      unsubscribe()
      deps.streams.delete(res)
    })
    return undefined
  })

  // --- extension: downloads (token or signed URL) ----------------------------------------

  const serve =
    (
      pick: (file: StoredFile, ctx: RequestContext) => { path: string; type: string; bytes?: number },
    ): RouteHandler =>
    async (ctx) => {
      const verdict = signer.verify('GET', ctx.path, ctx.query)
      let file = repo.get(ctx.params.id)
      if (verdict === 'expired') throw new HttpError('FORBIDDEN', 'The signed URL has expired')
      if (verdict === 'invalid') throw new HttpError('FORBIDDEN', 'Invalid signature')
      if (verdict === 'absent') {
        const user = await requireUser(ctx.req, deps.jwtSecret)
        if (file && !canAccess({ user, app: ctx.appName }, file)) file = undefined
      }
      if (file?.state !== 'stored') throw new HttpError('NOT_FOUND', 'File not found')
      const status = currentJob(file)?.status
      if (status !== 'completed') {
        throw new HttpError('CONFLICT', `The file is not available: processing is ${status ?? 'pending'}`, {
          details: { processing: status },
        })
      }
      const target = pick(file, ctx)
      return sendFile(ctx, target.path, target.type, file.name)
    }

  router.get(
    `${FILES_PATHS.download}/:id`,
    serve((file) => ({
      path:
        file.output?.file === 'output' ? join(repo.derivedDir(file.id), 'output') : repo.uploadPath(file.id),
      type: file.output?.mimeType ?? file.mimeType ?? 'application/octet-stream',
    })),
    { auth: false },
  )
  router.get(
    `${FILES_PATHS.download}/:id/thumbnails/:size`,
    serve((file, ctx) => {
      const size = Number(ctx.params.size)
      if (!file.thumbnails.some((t) => t.size === size)) throw new HttpError('NOT_FOUND', 'No such thumbnail')
      return { path: join(repo.derivedDir(file.id), `thumb-${size}.jpg`), type: 'image/jpeg' }
    }),
    { auth: false },
  )

  // --- extension: tus 1.0 uploads ----------------------------------------------------------

  const tus: RouteHandler = async (ctx) => {
    if (ctx.req.method === 'GET') {
      throw new HttpError('METHOD_NOT_ALLOWED', 'Uploads are read through /files/:id', {
        headers: { allow: 'HEAD, PATCH, DELETE, OPTIONS' },
      })
    }
    if (ctx.params.id !== undefined && !isFileId(ctx.params.id))
      throw new HttpError('NOT_FOUND', 'No such upload')
    deps.callers.set(ctx.req, caller(ctx))
    await deps.handleTus(ctx.req, ctx.res)
    return undefined
  }
  router.post(FILES_PATHS.uploads, tus)
  router.get(`${FILES_PATHS.uploads}/:id`, tus)
  router.patch(`${FILES_PATHS.uploads}/:id`, tus)
  router.delete(`${FILES_PATHS.uploads}/:id`, tus)
}

function intParam(ctx: RequestContext, name: string, fallback: number, min: number, max: number): number {
  const raw = ctx.query.get(name)
  if (raw === null || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError('VALIDATION_FAILED', `${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

const INLINE = /^(image\/(jpeg|png|gif|webp|avif)|video\/|audio\/|application\/pdf|text\/plain)/

/** Streams a file, with single `Range` requests (video seeking) and headers that stop sniffing. */
async function sendFile(
  ctx: RequestContext,
  path: string,
  type: string,
  name: string,
): Promise<Reply | undefined> {
  let size: number
  try {
    size = (await stat(path)).size
  } catch {
    throw new HttpError('NOT_FOUND', 'File not found')
  }
  const headers: Record<string, string | number> = {
    'content-type': type === 'text/plain' ? 'text/plain; charset=utf-8' : type,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, max-age=300',
    'accept-ranges': 'bytes',
    'content-disposition': `${INLINE.test(type) ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`,
    'content-security-policy': "default-src 'none'; sandbox",
  }
  let start = 0
  let end = size - 1
  let status = 200
  const range = ctx.req.headers.range
  if (range) {
    const match = /^bytes=(\d*)-(\d*)$/.exec(range)
    const from = match?.[1] ? Number(match[1]) : undefined
    const to = match?.[2] ? Number(match[2]) : undefined
    if (match && (from !== undefined || to !== undefined)) {
      start = from ?? Math.max(0, size - (to ?? 0))
      end = from === undefined ? size - 1 : Math.min(to ?? size - 1, size - 1)
      if (start > end || start >= size) {
        return { status: 416, headers: { 'content-range': `bytes */${size}` }, body: undefined }
      }
      status = 206
      headers['content-range'] = `bytes ${start}-${end}/${size}`
    }
  }
  headers['content-length'] = size === 0 ? 0 : end - start + 1
  ctx.res.writeHead(status, headers)
  if (ctx.method === 'HEAD' || size === 0) {
    ctx.res.end()
    return undefined
  }
  await pipeline(createReadStream(path, { start, end }), ctx.res).catch(() => ctx.res.destroy())
  return undefined
}
