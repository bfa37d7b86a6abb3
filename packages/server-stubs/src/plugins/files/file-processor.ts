import { randomUUID } from 'node:crypto'
import { access, mkdir, rm, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { FileOperation, OperationResult, ProcessingJob } from '@nself/contracts/files'
import type { Logger } from '../../http/logger'
import { hasTool, runTool, scanWithClamav } from './external-tools'
import type { FileRepository, StoredFile } from './file-repository'
import type { FilesConfig } from './files-config'
import {
  type ImageOutcome,
  isProcessableImage,
  ProcessingError,
  processImage,
  thumbnailsFromFrame,
} from './image-processing'

/** What a new job is told (the `POST /api/jobs` body, or what an upload asked for). */
export interface NewJob {
  operations: readonly FileOperation[]
  filePath: string
  fileName: string
  fileSize: number
  mimeType: string
  priority?: number
  webhookUrl?: string
  callbackData?: Record<string, unknown>
}

/**
 * Runs processing jobs, `FILE_QUEUE_CONCURRENCY` at a time, as the real plugin's worker does
 * after a storage event: scan, then the type's operations (images with sharp, video frames
 * with ffmpeg, PDF pages with pdftoppm), recording how each operation ended. A missing
 * program makes its operation `unsupported` or `skipped`; a failure makes the job `failed`
 * with a code; neither is ever reported as done.
 */
export class FileProcessor {
  readonly #repo: FileRepository
  readonly #config: FilesConfig
  readonly #logger: Logger
  readonly #queue: Array<{ fileId: string; jobId: string; priority: number }> = []
  readonly #running = new Set<Promise<void>>()
  readonly #idle: Array<() => void> = []
  #closed = false

  constructor(repo: FileRepository, config: FilesConfig, logger: Logger) {
    this.#repo = repo
    this.#config = config
    this.#logger = logger
  }

  /** Adds a `pending` job to `file` (saved by the caller) and queues it. */
  createJob(file: StoredFile, request: NewJob): ProcessingJob {
    const now = new Date().toISOString()
    const job: ProcessingJob = {
      id: randomUUID(),
      source_account_id: file.app,
      file_id: file.id,
      file_path: request.filePath,
      file_name: request.fileName,
      file_size: request.fileSize,
      mime_type: request.mimeType,
      storage_provider: 'local',
      storage_bucket: 'nself-stubs',
      status: 'pending',
      priority: request.priority ?? 5,
      attempts: 0,
      // Processing is deterministic: a failed job would fail again, so it is not retried.
      max_attempts: 1,
      operations: [...request.operations],
      thumbnails: [],
      metadata: {},
      scan_result: null,
      optimization_result: null,
      error_message: null,
      last_error_at: null,
      started_at: null,
      completed_at: null,
      duration_ms: null,
      queue_name: 'default',
      scheduled_for: null,
      webhook_url: request.webhookUrl ?? null,
      callback_data: request.callbackData ?? null,
      created_at: now,
      updated_at: now,
      error_code: null,
      operation_results: {},
    }
    file.jobs.push(job)
    this.enqueue(file.id, job.id, job.priority)
    return job
  }

  /** Queues an existing `pending` job (also used to resume jobs after a restart). */
  enqueue(fileId: string, jobId: string, priority = 5): void {
    if (this.#closed) return
    this.#queue.push({ fileId, jobId, priority })
    this.#queue.sort((a, b) => b.priority - a.priority)
    queueMicrotask(() => this.#pump())
  }

  /** Resolves when no job is queued or running. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#running.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Takes no new jobs and waits for the running ones. */
  async close(): Promise<void> {
    this.#closed = true
    this.#queue.length = 0
    await Promise.allSettled([...this.#running])
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < this.#config.concurrency && this.#queue.length > 0) {
      const next = this.#queue.shift() as { fileId: string; jobId: string }
      const run: Promise<void> = this.#run(next.fileId, next.jobId)
        .catch((error: unknown) => this.#logger.error({ msg: 'processing crashed', plugin: 'files', error }))
        .finally(() => {
          this.#running.delete(run)
          this.#pump()
        })
      this.#running.add(run)
    }
    if (this.#queue.length === 0 && this.#running.size === 0)
      for (const resolve of this.#idle.splice(0)) resolve()
  }

  async #run(fileId: string, jobId: string): Promise<void> {
    const file = this.#repo.get(fileId)
    const job = file?.jobs.find((j) => j.id === jobId)
    if (!file || !job || job.status !== 'pending') return
    const started = Date.now()
    job.status = 'processing'
    job.attempts++
    job.started_at = new Date(started).toISOString()
    job.updated_at = job.started_at
    await this.#repo.save(file)

    const results: Record<string, OperationResult> = {}
    let current = 'scan'
    const derived = this.#repo.derivedDir(file.id)
    try {
      const input = this.#repo.uploadPath(file.id)
      await access(input).catch((error: unknown) => {
        throw new ProcessingError('FILE_MISSING', 'The uploaded bytes are gone', { cause: error })
      })
      await rm(derived, { recursive: true, force: true })
      await mkdir(derived, { recursive: true })
      file.output = undefined
      file.thumbnails = []
      file.scan = null
      await this.#scan(file, job, input, results)
      const ops = new Set(job.operations)
      const mimeType = file.mimeType ?? 'application/octet-stream'
      const kind = isProcessableImage(mimeType)
        ? 'image'
        : mimeType.startsWith('video/')
          ? 'video'
          : mimeType === 'application/pdf'
            ? 'pdf'
            : 'other'
      let image: ImageOutcome | null = null
      if (kind === 'image') {
        const strip = this.#config.stripExif || ops.has('strip_exif')
        current = 'thumbnail'
        image = await processImage({
          input,
          mimeType,
          strip,
          resize: ops.has('resize'),
          optimize: ops.has('optimize'),
          maxWidth: this.#config.imageMaxWidth,
          quality: this.#config.imageQuality,
          outputPath: join(derived, 'output'),
          thumbnailSizes: ops.has('thumbnail') ? this.#config.thumbnailSizes : [],
          thumbnailPath: (size) => join(derived, `thumb-${size}.jpg`),
          maxPixels: this.#config.maxImagePixels,
        })
        const outputMs = image.output?.ms
        if (ops.has('resize')) results.resize = done(outputMs)
        if (ops.has('optimize')) results.optimize = done(outputMs)
        results.strip_exif = strip
          ? done(outputMs)
          : { status: 'skipped', reason: 'FILE_STRIP_EXIF is off and strip_exif was not asked for' }
      } else {
        for (const op of ['optimize', 'resize', 'strip_exif'] as const) {
          if (ops.has(op))
            results[op] = { status: 'unsupported', reason: `${mimeType} is stored as uploaded` }
        }
        if (ops.has('thumbnail')) {
          current = 'thumbnail'
          image = await this.#frameThumbnails(kind, input, derived, results)
        }
      }
      if (image && ops.has('thumbnail') && image.thumbnails.length > 0) {
        results.thumbnail = done(image.thumbnailsMs)
      } else if (ops.has('thumbnail') && !results.thumbnail) {
        results.thumbnail = { status: 'unsupported', reason: `no thumbnails for ${mimeType}` }
      }
      const now = new Date().toISOString()
      // The served file's size: the processed copy, else the image or the video frame (not a PDF page).
      const dims = kind === 'pdf' ? null : (image?.output ?? image?.source ?? null)
      file.output = {
        file: image?.output ? 'output' : 'original',
        mimeType,
        ...(dims ? { width: dims.width, height: dims.height } : {}),
        bytes: image?.output?.bytes ?? file.size ?? 0,
      }
      file.thumbnails = (image?.thumbnails ?? []).map((t) => ({
        ...t,
        sourceWidth: image?.source.width ?? t.width,
        sourceHeight: image?.source.height ?? t.height,
        createdAt: now,
      }))
      if (ops.has('metadata')) {
        current = 'metadata'
        file.metadata = {
          id: randomUUID(),
          source_account_id: file.app,
          job_id: job.id,
          file_id: file.id,
          mime_type: mimeType,
          file_extension: extname(file.name).slice(1).toLowerCase() || null,
          file_size: file.size ?? 0,
          width: image?.source.width ?? null,
          height: image?.source.height ?? null,
          aspect_ratio: image
            ? Math.round((image.source.width / image.source.height) * 10_000) / 10_000
            : null,
          color_space: image?.source.space ?? null,
          has_alpha: image?.source.hasAlpha ?? null,
          // EXIF is not parsed here, so none of it (camera, GPS) is copied out of the file.
          exif_data: null,
          sha256_hash: file.sha256 ?? null,
          exif_stripped: kind === 'image' && results.strip_exif?.status === 'completed',
          metadata_extracted_at: now,
          created_at: now,
          updated_at: now,
        }
        results.metadata = done()
      }
      if (image?.output && file.size) {
        job.optimization_result = {
          originalSize: file.size,
          optimizedSize: image.output.bytes,
          savingsBytes: file.size - image.output.bytes,
          savingsPercent: Math.round(((file.size - image.output.bytes) / file.size) * 100),
          duration: image.output.ms,
        }
      }
      job.status = 'completed'
    } catch (raw) {
      const error =
        raw instanceof ProcessingError
          ? raw
          : new ProcessingError('PROCESSING_FAILED', raw instanceof Error ? raw.message : String(raw), {
              cause: raw,
            })
      results[current] = { status: 'failed', reason: error.message }
      job.status = 'failed'
      job.error_code = error.code
      job.error_message = error.message
      job.last_error_at = new Date().toISOString()
      file.output = undefined
      file.thumbnails = []
      await rm(derived, { recursive: true, force: true })
      this.#logger.info({ msg: 'processing failed', plugin: 'files', fileId, jobId, code: error.code })
    }
    // Deleted while it ran: drop what it wrote.
    if (this.#repo.get(fileId) !== file) {
      await rm(derived, { recursive: true, force: true })
      return
    }
    const finished = Date.now()
    job.operation_results = results
    job.thumbnails = file.thumbnails.map((t) => `derived/${file.id}/thumb-${t.size}.jpg`)
    job.metadata = file.metadata ? { width: file.metadata.width, height: file.metadata.height } : {}
    job.completed_at = new Date(finished).toISOString()
    job.updated_at = job.completed_at
    job.duration_ms = finished - started
    file.results = results
    await this.#repo.save(file)
  }

  async #scan(
    file: StoredFile,
    job: ProcessingJob,
    input: string,
    results: Record<string, OperationResult>,
  ): Promise<void> {
    const clamav = this.#config.clamav
    if (!clamav) {
      results.scan = { status: 'skipped', reason: 'CLAMAV_HOST is not set' }
      return
    }
    const started = performance.now()
    const outcome = await scanWithClamav(input, clamav)
    const ms = Math.round(performance.now() - started)
    const now = new Date().toISOString()
    file.scan = {
      id: randomUUID(),
      source_account_id: file.app,
      job_id: job.id,
      file_id: file.id,
      scanner: 'clamav',
      scan_status: outcome.status,
      is_clean: outcome.status === 'error' ? null : outcome.status === 'clean',
      threats_found: outcome.status === 'infected' ? outcome.threats.length : 0,
      threat_names: outcome.status === 'infected' ? outcome.threats : null,
      signature_version: null,
      scan_duration_ms: ms,
      file_size_scanned: (await stat(input)).size,
      error_message: outcome.status === 'error' ? outcome.message : null,
      scanned_at: now,
      created_at: now,
    }
    job.scan_result = { status: outcome.status, isClean: file.scan.is_clean }
    if (outcome.status === 'infected') {
      throw new ProcessingError('INFECTED', `ClamAV found ${outcome.threats.join(', ')}`)
    }
    if (outcome.status === 'error') throw new ProcessingError('SCAN_FAILED', outcome.message)
    results.scan = done(ms)
  }

  /** A video's frame (ffmpeg) or a PDF's first page (pdftoppm) as thumbnails, when the program exists. */
  async #frameThumbnails(
    kind: 'video' | 'pdf' | 'other',
    input: string,
    derived: string,
    results: Record<string, OperationResult>,
  ): Promise<ImageOutcome | null> {
    if (kind === 'other') return null
    if (kind === 'video' && !this.#config.videoThumbnails) {
      results.thumbnail = { status: 'skipped', reason: 'FILE_PROCESSING_VIDEO_THUMBNAIL_ENABLED is off' }
      return null
    }
    const tool = kind === 'video' ? 'ffmpeg' : 'pdftoppm'
    if (!(await hasTool(tool))) {
      results.thumbnail = { status: 'unsupported', reason: `${tool} is not installed` }
      return null
    }
    const frame = join(derived, 'frame.jpg')
    const largest = Math.max(...this.#config.thumbnailSizes)
    try {
      if (kind === 'video') {
        // One second in, unless the video is shorter than that.
        for (const at of ['1', '0']) {
          await runTool('ffmpeg', ['-v', 'error', '-ss', at, '-i', input, '-frames:v', '1', '-y', frame])
          if (
            await access(frame).then(
              () => true,
              () => false,
            )
          )
            break
        }
      } else {
        const prefix = join(derived, 'frame')
        await runTool('pdftoppm', [
          '-jpeg',
          '-f',
          '1',
          '-l',
          '1',
          '-scale-to',
          String(largest),
          '-singlefile',
          input,
          prefix,
        ])
      }
      await access(frame)
    } catch (error) {
      throw new ProcessingError('CORRUPT_FILE', error instanceof Error ? error.message : String(error), {
        cause: error,
      })
    }
    const outcome = await thumbnailsFromFrame(frame, {
      thumbnailSizes: this.#config.thumbnailSizes,
      thumbnailPath: (size) => join(derived, `thumb-${size}.jpg`),
      maxPixels: this.#config.maxImagePixels,
    })
    await rm(frame, { force: true })
    return outcome
  }
}

function done(ms?: number): OperationResult {
  return ms === undefined ? { status: 'completed' } : { status: 'completed', ms: Math.round(ms * 100) / 100 }
}
