export type { HealthOptions } from '@nself/client-core'
export { isNselfError, NselfError } from '@nself/client-core'
export type { FileRecord, FileThumbnail } from '@nself/contracts/files'
export { downscaleImage } from './downscale'
export { filesFromEvent } from './dropped-files'
export {
  FileUploadService,
  type FileUploadServiceOptions,
  type UploadItem,
  type UploadOptions,
  type UploadSource,
  type UploadState,
} from './file-upload-service'
export { getFilesHealth } from './health'
export {
  type DropzoneProps,
  type FileUpload,
  type UseFileUploadOptions,
  useFileUpload,
} from './react/use-file-upload'
export { isAccepted, parseSize } from './upload-rules'
