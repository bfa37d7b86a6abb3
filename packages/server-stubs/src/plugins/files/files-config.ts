import { FILE_PROCESSING_ENV as ENV, THUMBNAIL_SIZES } from '@nself/contracts/files'
import { readEnv, readEnvInt } from '../../plugin-env'

/** The file-processing stub's configuration, from the real plugin's variables (and ours). */
export interface FilesConfig {
  /** Largest upload in bytes (`FILE_MAX_SIZE`, 104857600). */
  maxSize: number
  /** MIME types accepted, by the bytes (`FILE_ALLOWED_TYPES`, comma-separated; `image/*` works). */
  allowedTypes: readonly string[]
  /** Strip EXIF and GPS from every image (`FILE_STRIP_EXIF`, default on). */
  stripExif: boolean
  /** `resize` scales images down to this width (`FILE_PROCESSING_IMAGE_MAX_WIDTH`, 2048). */
  imageMaxWidth: number
  /** Quality of re-encoded images (`FILE_PROCESSING_IMAGE_QUALITY`, 85). */
  imageQuality: number
  /** Thumbnail bounding boxes (`FILE_THUMBNAIL_SIZES`, 100,400,1200). */
  thumbnailSizes: readonly number[]
  /** Video thumbnails with ffmpeg when installed (`FILE_PROCESSING_VIDEO_THUMBNAIL_ENABLED`, default on). */
  videoThumbnails: boolean
  /** Jobs processed at once (`FILE_QUEUE_CONCURRENCY`, 3). */
  concurrency: number
  /** ClamAV daemon (`CLAMAV_HOST`, `CLAMAV_PORT` 3310); no scanning without a host. */
  clamav: { host: string; port: number } | null
  /** Most pixels an image may have (`FILE_MAX_IMAGE_PIXELS`, 100 megapixels). */
  maxImagePixels: number
  /** An unfinished tus upload expires after this many ms (`FILE_UPLOAD_EXPIRATION_MS`, a day). */
  uploadExpirationMs: number
  /** Signed download URLs stay valid this many seconds (`FILE_SIGNED_URL_TTL`, 3600). */
  signedUrlTtl: number
}

/**
 * What the stub accepts unless `FILE_ALLOWED_TYPES` says otherwise: images sharp can process,
 * common video and audio, PDF, ZIP and plain text. Never HTML, SVG or executables, which a
 * browser would run.
 */
export const DEFAULT_ALLOWED_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'video/mp4',
  'video/webm',
  'video/quicktime',
  'audio/mpeg',
  'audio/mp4',
  'audio/ogg',
  'audio/wav',
  'audio/flac',
  'application/pdf',
  'application/zip',
  'text/plain',
] as const

function readFlag(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const value = readEnv(env, name)
  if (value === undefined) return fallback
  return !/^(false|0|no|off)$/i.test(value)
}

function readList(env: Record<string, string | undefined>, name: string): string[] | undefined {
  const list = readEnv(env, name)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return list?.length ? list : undefined
}

/** Reads {@link FilesConfig} from `env`; anything unset or invalid takes its default. */
export function readFilesConfig(env: Record<string, string | undefined>): FilesConfig {
  const sizes = readList(env, ENV.thumbnailSizes)
    ?.map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && n <= 4096)
  const clamavHost = readEnv(env, ENV.clamavHost)
  return {
    maxSize: readEnvInt(env, ENV.maxSize, 104_857_600),
    allowedTypes: readList(env, ENV.allowedTypes)?.map((t) => t.toLowerCase()) ?? DEFAULT_ALLOWED_TYPES,
    stripExif: readFlag(env, ENV.stripExif, true),
    imageMaxWidth: Math.max(1, readEnvInt(env, ENV.imageMaxWidth, 2048)),
    imageQuality: Math.min(100, Math.max(1, readEnvInt(env, ENV.imageQuality, 85))),
    thumbnailSizes: sizes?.length ? [...new Set(sizes)].sort((a, b) => a - b) : THUMBNAIL_SIZES,
    videoThumbnails: readFlag(env, ENV.videoThumbnails, true),
    concurrency: Math.max(1, readEnvInt(env, ENV.queueConcurrency, 3)),
    clamav: clamavHost ? { host: clamavHost, port: readEnvInt(env, ENV.clamavPort, 3310) } : null,
    maxImagePixels: Math.max(1, readEnvInt(env, ENV.maxImagePixels, 100_000_000)),
    uploadExpirationMs: Math.max(1, readEnvInt(env, ENV.uploadExpirationMs, 86_400_000)),
    signedUrlTtl: Math.max(1, readEnvInt(env, ENV.signedUrlTtl, 3600)),
  }
}
