/**
 * The file-processing plugin's HTTP API (port 3104), as `reference/WIRE.md` gives it.
 * Additions (uploads, file records, downloads) are marked `extension`.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from './common'

/** `GET /health` of the file-processing plugin. */
export const FilesHealthSchema = z.object({ status: z.literal('ok'), timestamp: IsoDateTime })
export type FilesHealth = z.infer<typeof FilesHealthSchema>
