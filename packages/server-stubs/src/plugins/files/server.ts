import { mkdtemp, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { FILE_PROCESSING_ENV, FILES_PATHS, type FilesHealth } from '@nself/contracts/files'
import type { Server as TusServer } from '@tus/server'
import { splitUrl } from '../../http/http-app'
import { readEnv } from '../../plugin-env'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'
import { FileProcessor } from './file-processor'
import { FileRepository } from './file-repository'
import { type FilesConfig, readFilesConfig } from './files-config'
import { registerFilesRoutes } from './files-routes'
import { UrlSigner } from './signed-urls'
import { handleTusUpload } from './tus-request'
import { type Caller, createTusServer } from './tus-uploads'
import { UploadHashes } from './upload-intake'

/** Options of {@link createFilesServer}. */
export interface FilesServerOptions extends StubServerOptions {
  /**
   * Where uploads, processed copies and records are kept. Default: `FILE_DATA_DIR`, else a new
   * temporary directory that `close()` removes.
   */
  dataDir?: string
  /** Base of the URLs in file records (default `http://<Host header>`), e.g. behind a proxy. */
  publicUrl?: string
}

/** A running file-processing server. */
export interface FilesServer extends StubServer<'files'> {
  /** The data directory in use. */
  readonly dataDir: string
  /** The configuration read from the environment. */
  readonly config: FilesConfig
  /** The tus server behind `/uploads`. */
  readonly tus: TusServer
  /** Resolves when no processing job is queued or running (tests). */
  idle(): Promise<void>
}

/**
 * Starts the file-processing plugin (env prefix `FILE_PROCESSING_`, plus the real plugin's
 * `FILE_*` variables): the real job API (`POST /api/jobs`, `GET /api/jobs/:jobId`,
 * `GET /api/jobs`, `GET /v1/jobs/:id`) and the extensions — tus uploads at `/uploads`, the
 * presigned PUT flow, file records, signed downloads and thumbnails, and processing events —
 * with processing on sharp (and ffmpeg, pdftoppm, ClamAV when present).
 */
export async function createFilesServer(options: FilesServerOptions = {}): Promise<FilesServer> {
  const env = options.env ?? process.env
  const config = readFilesConfig(env)
  const configured = options.dataDir ?? readEnv(env, FILE_PROCESSING_ENV.dataDir)
  const dataDir = configured ? resolve(configured) : await mkdtemp(join(tmpdir(), 'nself-files-'))
  const removeDataDir = () => (configured ? Promise.resolve() : rm(dataDir, { recursive: true, force: true }))
  let repo: FileRepository
  try {
    repo = await FileRepository.open(dataDir)
  } catch (error) {
    await removeDataDir()
    throw error
  }

  try {
    return await createPluginServer('files', options, (ctx) => {
      const processor = new FileProcessor(repo, config, ctx.logger)
      const hashes = new UploadHashes()
      const callers = new WeakMap<IncomingMessage, Caller>()
      const streams = new Set<ServerResponse>()
      const deps = { repo, config, processor, hashes, callers, cors: ctx.cors }
      const { server: tus, store } = createTusServer(deps)
      registerFilesRoutes(ctx.router, {
        ...deps,
        signer: new UrlSigner(ctx.jwtSecret),
        jwtSecret: ctx.jwtSecret,
        publicUrl: options.publicUrl?.replace(/\/+$/, ''),
        streams,
        // Requests carrying upload bytes skip tus.handle()'s per-chunk copy of the body.
        handleTus: (req, res) =>
          req.method === 'PATCH' ||
          (req.method === 'POST' && req.headers['content-type'] === 'application/offset+octet-stream')
            ? handleTusUpload(tus, req, res)
            : tus.handle(req, res),
      })

      // tus discovery (`OPTIONS /uploads` without a CORS preflight) is answered by tus itself,
      // before the router, as Socket.IO takes `/socket.io/`: the router has no OPTIONS routes.
      const frame = ctx.httpServer.listeners('request') as Array<
        (req: IncomingMessage, res: ServerResponse) => void
      >
      ctx.httpServer.removeAllListeners('request')
      ctx.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
        if (
          req.method === 'OPTIONS' &&
          req.headers['access-control-request-method'] === undefined &&
          splitUrl(req.url ?? '/').path.replace(/\/+$/, '') === FILES_PATHS.uploads
        ) {
          void tus.handle(req, res).catch(() => res.destroy())
          return
        }
        for (const listener of frame) listener.call(ctx.httpServer, req, res)
      })

      // Jobs a restart interrupted run again.
      for (const file of repo.all()) {
        for (const job of file.jobs) {
          if (job.status === 'processing' || job.status === 'pending') {
            job.status = 'pending'
            processor.enqueue(file.id, job.id, job.priority)
          }
        }
      }
      const sweep = setInterval(
        () => {
          store
            .deleteExpired()
            .catch((error: unknown) => ctx.logger.error({ msg: 'expiry sweep failed', error }))
        },
        Math.min(config.uploadExpirationMs, 3_600_000),
      )
      sweep.unref()

      ctx.metrics.gauge('nself_files_stored', 'Files stored (uploads complete).', () => {
        let n = 0
        for (const f of repo.all()) if (f.state === 'stored') n++
        return n
      })
      ctx.metrics.gauge('nself_files_processing_jobs', 'Processing jobs by status.', () => {
        const counts = new Map<string, number>()
        for (const f of repo.all())
          for (const j of f.jobs) counts.set(j.status, (counts.get(j.status) ?? 0) + 1)
        return [...counts].map(([status, value]) => ({ labels: { status }, value }))
      })

      return {
        health: (): FilesHealth => ({ status: 'ok', timestamp: new Date().toISOString() }),
        teardown: async () => {
          clearInterval(sweep)
          for (const res of streams) res.end()
          await processor.close()
          await repo.flush()
          await removeDataDir()
        },
        extra: { dataDir, config, tus, idle: () => processor.idle() },
      }
    })
  } catch (error) {
    await removeDataDir()
    throw error
  }
}
