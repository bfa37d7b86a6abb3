/**
 * extension: uploads, file records, downloads and processing events. The real plugin accepts
 * no uploads (files reach storage first); these are ours, except the presigned flow, which is
 * the chat app's `POST /api/files/upload` in its own shape.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from '../common'
import { MAX_FILE_WAIT_SECONDS } from './files-constants'
import { FileOperationSchema, OperationResultSchema, ProcessingStatusSchema } from './processing-api'

const FileName = z.string().check(z.minLength(1), z.maxLength(500))
const MimeType = z.string().check(z.maxLength(100))

/**
 * extension: a tus upload's `Upload-Metadata`, decoded. `type` is what the client believes;
 * the server decides by the bytes. `operations` is a comma-separated list of operations.
 */
export const UploadMetadataSchema = z.object({
  name: FileName,
  type: z.optional(MimeType),
  operations: z.optional(z.string().check(z.maxLength(200))),
})
export type UploadMetadata = z.infer<typeof UploadMetadataSchema>

/** `POST /api/files/upload`: the chat app's presigned single-PUT flow. */
export const PresignUploadRequestSchema = z.object({
  fileName: FileName,
  mimeType: MimeType,
  /** Bytes the PUT will carry; larger than `FILE_MAX_SIZE` is refused here, before any byte. */
  size: z.int().check(z.gte(0)),
  channelId: z.optional(z.string().check(z.maxLength(200))),
  /** Seconds the upload URL stays valid (default 3600, at most a day). */
  expiresIn: z.optional(z.int().check(z.gte(1), z.lte(86_400))),
  /** extension: what to run once the bytes are in (default as `POST /api/jobs`). */
  operations: z.optional(z.array(FileOperationSchema).check(z.maxLength(6))),
})
export type PresignUploadRequest = z.infer<typeof PresignUploadRequestSchema>

/** The `POST /api/files/upload` answer: `PUT` the bytes to `uploadUrl` with `headers`. */
export const PresignUploadResponseSchema = z.object({
  uploadUrl: z.string(),
  fileId: z.string(),
  storagePath: z.string(),
  fileName: z.string(),
  mimeType: z.string(),
  size: z.number(),
  channelId: z.optional(z.nullable(z.string())),
  expiresAt: IsoDateTime,
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()),
})
export type PresignUploadResponse = z.infer<typeof PresignUploadResponseSchema>

/** extension: one thumbnail of a file. `url` is signed and expires. */
export const FileThumbnailSchema = z.object({
  /** The bounding box: 100, 400 or 1200. */
  size: z.number(),
  width: z.number(),
  height: z.number(),
  url: z.string(),
})
export type FileThumbnail = z.infer<typeof FileThumbnailSchema>

/**
 * extension: a stored file. `url` and `thumbnailUrl` are signed, expiring URLs (usable in
 * `<img src>`); `mimeType` is sniffed from the bytes; `size` and `sha256` are of the bytes
 * received. `url` serves the processed file (EXIF stripped, resized) once processing is
 * `completed`, and nothing before.
 */
export const FileRecordSchema = z.object({
  id: z.string(),
  url: z.string(),
  /** The 400 px thumbnail (or the largest there is); `null` when there is none. */
  thumbnailUrl: z.nullable(z.string()),
  mimeType: z.string(),
  size: z.number(),
  /** Of the served image, after processing. */
  width: z.optional(z.number()),
  height: z.optional(z.number()),
  /** Hex SHA-256 of the bytes received. */
  sha256: z.string(),
  processing: z.object({
    status: ProcessingStatusSchema,
    jobId: z.string(),
    /** Set when `status` is `failed`. */
    error: z.optional(z.object({ code: z.string(), message: z.string() })),
    /** How each operation ended, once known. */
    operations: z.optional(z.record(z.string(), OperationResultSchema)),
  }),
  name: z.optional(z.string()),
  createdAt: z.optional(IsoDateTime),
  thumbnails: z.optional(z.array(FileThumbnailSchema)),
})
export type FileRecord = z.infer<typeof FileRecordSchema>

/** extension: `GET /api/files/:id?wait=<s>` holds the answer until processing ends (≤ 30 s). */
export const FileWaitQuerySchema = z.object({
  wait: z.optional(z.int().check(z.gte(0), z.lte(MAX_FILE_WAIT_SECONDS))),
})

/** extension: `GET /api/files?limit&offset` — the caller's files, newest first. */
export const FileListSchema = z.object({ files: z.array(FileRecordSchema) })
export type FileList = z.infer<typeof FileListSchema>

/** extension: the `file-deleted` event's data. */
export const FileDeletedEventSchema = z.object({ id: z.string() })
export type FileDeletedEvent = z.infer<typeof FileDeletedEventSchema>

/** extension: the query of a signed download URL (`/files/:id?expires&signature`). */
export const SignedUrlQuerySchema = z.object({
  /** Unix seconds after which the URL is refused. */
  expires: z.string().check(z.regex(/^\d{1,12}$/)),
  /** Hex HMAC-SHA256 of `<path>\n<expires>`. */
  signature: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
})
