/**
 * The file-processing plugin's HTTP API (port 3104), as `reference/WIRE.md` gives it, with
 * our additions (tus uploads, file records, downloads, processing events) marked `extension`.
 */
export * from './files/files-constants'
export * from './files/processing-api'
export * from './files/uploads'
