// Plain data, no zod (see ../constants.ts): the files client imports these in production.

/** The operations the real plugin's `POST /api/jobs` accepts (`reference/WIRE.md`). */
export const FILE_OPERATIONS = ['thumbnail', 'optimize', 'metadata', 'scan'] as const

/**
 * Every operation an upload or a job may ask for: the real plugin's four, plus (extension)
 * `resize` — scale down to `FILE_PROCESSING_IMAGE_MAX_WIDTH` — and `strip_exif`, which strips
 * EXIF and GPS even where the server's `FILE_STRIP_EXIF` is off.
 */
export const UPLOAD_OPERATIONS = [...FILE_OPERATIONS, 'resize', 'strip_exif'] as const
export type FileOperation = (typeof UPLOAD_OPERATIONS)[number]

/** What the real plugin runs when a job names no operations. */
export const DEFAULT_FILE_OPERATIONS: readonly FileOperation[] = ['thumbnail', 'optimize', 'metadata']

/** Processing job states (the real plugin's). */
export const PROCESSING_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number]

/** States a processing job never leaves. */
export const TERMINAL_PROCESSING_STATUSES: readonly ProcessingStatus[] = ['completed', 'failed', 'cancelled']

/**
 * extension: how one operation of a job ended. `skipped`: turned off by configuration
 * (e.g. no `CLAMAV_HOST`); `unsupported`: the file type or a missing program (ffmpeg,
 * pdftoppm) does not allow it. Neither is ever reported as `completed`.
 */
export const OPERATION_OUTCOMES = ['completed', 'skipped', 'unsupported', 'failed'] as const
export type OperationOutcome = (typeof OPERATION_OUTCOMES)[number]

/**
 * extension: why processing `failed` (the job's `error_code`, the record's
 * `processing.error.code`).
 */
export const PROCESSING_ERROR_CODES = [
  /** The bytes are not a file of the type they claim (a truncated or damaged image). */
  'CORRUPT_FILE',
  /** The image has more pixels than the server decodes (a decompression bomb). */
  'IMAGE_TOO_LARGE',
  /** ClamAV found a threat. */
  'INFECTED',
  /** ClamAV was configured but could not scan the file. */
  'SCAN_FAILED',
  /** The stored bytes are gone. */
  'FILE_MISSING',
  /** Anything else. */
  'PROCESSING_FAILED',
] as const
export type ProcessingErrorCode = (typeof PROCESSING_ERROR_CODES)[number]

/** Virus scan results as the real plugin stores them. */
export const SCAN_STATUSES = ['clean', 'infected', 'error'] as const

/** Thumbnail bounding boxes in px (the real plugin's `FILE_THUMBNAIL_SIZES` default). */
export const THUMBNAIL_SIZES = [100, 400, 1200] as const

/** extension: the tus protocol version and extensions the `/uploads` endpoint speaks. */
export const TUS_VERSION = '1.0.0'
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'expiration'] as const

/**
 * extension: the keys of a tus upload's `Upload-Metadata`. `operations` is a comma-separated
 * list of {@link UPLOAD_OPERATIONS}.
 */
export const UPLOAD_METADATA_KEYS = ['name', 'type', 'operations'] as const

/** The paths of the file-processing API (extensions marked in the contract). */
export const FILES_PATHS = {
  /** The real plugin's job API. */
  jobs: '/api/jobs',
  /** extension: tus 1.0 uploads. */
  uploads: '/uploads',
  /** The chat app's presigned single-PUT flow. */
  presign: '/api/files/upload',
  /** extension: file records (`/api/files/:id`). */
  files: '/api/files',
  /** extension: server-sent events of processing status. */
  events: '/api/files/events',
  /** extension: downloads (`/files/:id`) and thumbnails (`/files/:id/thumbnails/:size`). */
  download: '/files',
} as const

/** extension: the server-sent event names of `GET /api/files/events`. */
export const FILE_EVENT_NAMES = {
  /** A file record changed (created, processing status, deleted): `data` is the record. */
  file: 'file',
  /** A file was deleted or its upload terminated: `data` is `{ id }`. */
  deleted: 'file-deleted',
} as const

/** The longest `?wait=` (seconds) `GET /api/files/:id` honours. */
export const MAX_FILE_WAIT_SECONDS = 30

/** The file-processing plugin's environment variables (the real plugin's names, extensions marked). */
export const FILE_PROCESSING_ENV = {
  port: 'FILE_PROCESSING_PORT',
  imageMaxWidth: 'FILE_PROCESSING_IMAGE_MAX_WIDTH',
  imageQuality: 'FILE_PROCESSING_IMAGE_QUALITY',
  videoThumbnails: 'FILE_PROCESSING_VIDEO_THUMBNAIL_ENABLED',
  maxSize: 'FILE_MAX_SIZE',
  allowedTypes: 'FILE_ALLOWED_TYPES',
  stripExif: 'FILE_STRIP_EXIF',
  thumbnailSizes: 'FILE_THUMBNAIL_SIZES',
  queueConcurrency: 'FILE_QUEUE_CONCURRENCY',
  clamavHost: 'CLAMAV_HOST',
  clamavPort: 'CLAMAV_PORT',
  /** extension: where the stub keeps uploads (a temporary directory by default). */
  dataDir: 'FILE_DATA_DIR',
  /** extension: most pixels an image may have before it is refused (decompression bombs). */
  maxImagePixels: 'FILE_MAX_IMAGE_PIXELS',
  /** extension: ms after which an unfinished tus upload expires. */
  uploadExpirationMs: 'FILE_UPLOAD_EXPIRATION_MS',
  /** extension: seconds a signed download URL stays valid. */
  signedUrlTtl: 'FILE_SIGNED_URL_TTL',
} as const
