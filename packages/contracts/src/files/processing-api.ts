/**
 * The file-processing plugin's job API (port 3104) exactly as `reference/WIRE.md` gives it:
 * camelCase requests, the database rows (snake_case) in responses. Additions are marked
 * `extension`. Postgres sends BIGINT and DECIMAL columns as strings, so those accept both.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from '../common'
import { FILE_OPERATIONS, PROCESSING_STATUSES, SCAN_STATUSES, UPLOAD_OPERATIONS } from './files-constants'

/** `GET /health` of the file-processing plugin. */
export const FilesHealthSchema = z.object({ status: z.literal('ok'), timestamp: IsoDateTime })
export type FilesHealth = z.infer<typeof FilesHealthSchema>

export const ProcessingStatusSchema = z.enum(PROCESSING_STATUSES)

/** One of the real plugin's operations (`thumbnail`, `optimize`, `metadata`, `scan`). */
export const WireFileOperationSchema = z.enum(FILE_OPERATIONS)

/** Any operation, with the extensions `resize` and `strip_exif`. */
export const FileOperationSchema = z.enum(UPLOAD_OPERATIONS)

/** A BIGINT or DECIMAL column: a number from us, a string from Postgres. */
const Numeric = z.union([z.number(), z.string()])
const Timestamp = z.nullable(IsoDateTime)

/** `POST /api/jobs`: process a file already in storage. */
export const CreateFileJobRequestSchema = z.object({
  fileId: z.string().check(z.minLength(1), z.maxLength(255)),
  /** Where the file is stored (the presigned flow's `storagePath`). */
  filePath: z.string().check(z.minLength(1), z.maxLength(1024)),
  fileName: z.string().check(z.minLength(1), z.maxLength(500)),
  fileSize: z.int().check(z.gte(0)),
  mimeType: z.string().check(z.minLength(1), z.maxLength(100)),
  /** Default `['thumbnail', 'optimize', 'metadata']`; `resize` and `strip_exif` are extensions. */
  operations: z.optional(z.array(FileOperationSchema).check(z.maxLength(UPLOAD_OPERATIONS.length))),
  priority: z.optional(z.int().check(z.gte(-1000), z.lte(1000))),
  webhookUrl: z.optional(z.string().check(z.maxLength(2048))),
  webhookSecret: z.optional(z.string().check(z.maxLength(255))),
  callbackData: z.optional(z.record(z.string(), z.unknown())),
})
export type CreateFileJobRequest = z.infer<typeof CreateFileJobRequestSchema>

/** The `POST /api/jobs` answer. */
export const CreateFileJobResponseSchema = z.object({
  jobId: z.string(),
  status: z.literal('pending'),
  /** Milliseconds (the real plugin always says 3000). */
  estimatedDuration: z.number(),
})
export type CreateFileJobResponse = z.infer<typeof CreateFileJobResponseSchema>

/** How one operation ended (extension). */
export const OperationResultSchema = z.object({
  status: z.enum(['completed', 'skipped', 'unsupported', 'failed']),
  /** Why it was skipped, unsupported or failed. */
  reason: z.optional(z.string()),
  /** How long it took. */
  ms: z.optional(z.number()),
})
export type OperationResult = z.infer<typeof OperationResultSchema>

/** A row of `np_fileproc_jobs`, as `GET /api/jobs/:jobId` and `GET /api/jobs` send it. */
export const ProcessingJobSchema = z.object({
  id: z.string(),
  source_account_id: z.string(),
  file_id: z.string(),
  file_path: z.string(),
  file_name: z.string(),
  file_size: Numeric,
  mime_type: z.string(),
  storage_provider: z.nullable(z.string()),
  storage_bucket: z.nullable(z.string()),
  status: ProcessingStatusSchema,
  priority: z.number(),
  attempts: z.number(),
  max_attempts: z.number(),
  operations: z.array(z.string()),
  thumbnails: z.optional(z.nullable(z.array(z.unknown()))),
  metadata: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  scan_result: z.optional(z.nullable(z.unknown())),
  optimization_result: z.optional(z.nullable(z.unknown())),
  error_message: z.optional(z.nullable(z.string())),
  last_error_at: z.optional(Timestamp),
  started_at: z.optional(Timestamp),
  completed_at: z.optional(Timestamp),
  duration_ms: z.optional(z.nullable(z.number())),
  queue_name: z.optional(z.string()),
  scheduled_for: z.optional(Timestamp),
  webhook_url: z.optional(z.nullable(z.string())),
  callback_data: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
  /** extension: why the job failed, from `PROCESSING_ERROR_CODES`. */
  error_code: z.optional(z.nullable(z.string())),
  /** extension: how each requested operation ended. */
  operation_results: z.optional(z.record(z.string(), OperationResultSchema)),
})
export type ProcessingJob = z.infer<typeof ProcessingJobSchema>

/** A row of `np_fileproc_thumbnails`. */
export const FileThumbnailRowSchema = z.object({
  id: z.string(),
  job_id: z.string(),
  file_id: z.string(),
  thumbnail_path: z.string(),
  thumbnail_url: z.optional(z.nullable(z.string())),
  width: z.number(),
  height: z.number(),
  size_bytes: z.optional(z.nullable(Numeric)),
  format: z.string(),
  source_width: z.optional(z.nullable(z.number())),
  source_height: z.optional(z.nullable(z.number())),
  quality: z.optional(z.nullable(z.number())),
  generation_time_ms: z.optional(z.nullable(z.number())),
  created_at: IsoDateTime,
})
export type FileThumbnailRow = z.infer<typeof FileThumbnailRowSchema>

/** A row of `np_fileproc_metadata` (many more nullable columns; unknown ones pass through). */
export const FileMetadataRowSchema = z.looseObject({
  id: z.string(),
  job_id: z.string(),
  file_id: z.string(),
  mime_type: z.string(),
  file_size: Numeric,
  width: z.optional(z.nullable(z.number())),
  height: z.optional(z.nullable(z.number())),
  exif_stripped: z.boolean(),
  sha256_hash: z.optional(z.nullable(z.string())),
})
export type FileMetadataRow = z.infer<typeof FileMetadataRowSchema>

/** A row of `np_fileproc_scans`. */
export const FileScanRowSchema = z.looseObject({
  id: z.string(),
  job_id: z.string(),
  file_id: z.string(),
  scanner: z.string(),
  scan_status: z.enum(SCAN_STATUSES),
  is_clean: z.nullable(z.boolean()),
  threats_found: z.optional(z.nullable(z.number())),
  threat_names: z.optional(z.nullable(z.array(z.string()))),
})
export type FileScanRow = z.infer<typeof FileScanRowSchema>

/** `GET /api/jobs/:jobId`. */
export const FileJobDetailsSchema = z.object({
  job: ProcessingJobSchema,
  thumbnails: z.array(FileThumbnailRowSchema),
  metadata: z.optional(z.nullable(FileMetadataRowSchema)),
  scan: z.optional(z.nullable(FileScanRowSchema)),
})
export type FileJobDetails = z.infer<typeof FileJobDetailsSchema>

/** `GET /api/jobs?status&limit&offset` (the caller's jobs, newest first). */
export const FileJobListQuerySchema = z.object({
  status: z.optional(ProcessingStatusSchema),
  limit: z.optional(z.int().check(z.gte(1), z.lte(1000))),
  offset: z.optional(z.int().check(z.gte(0))),
})
export const FileJobListSchema = z.object({ jobs: z.array(ProcessingJobSchema) })
export type FileJobList = z.infer<typeof FileJobListSchema>

/** `GET /v1/jobs/:id`: progress is 0, 50 or 100 as the real plugin derives it. */
export const FileJobStateSchema = z.object({ state: ProcessingStatusSchema, progress: z.number() })
export type FileJobState = z.infer<typeof FileJobStateSchema>
