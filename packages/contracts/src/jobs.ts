/**
 * The jobs plugin's HTTP API (port 3105), as `reference/WIRE.md` gives it: the Go rewrite's
 * `/v1/...` routes with snake_case fields. Additions are marked `extension`.
 */
import * as z from 'zod/mini'

/** `GET /health` of the jobs plugin: exactly `{ status: "ok" }`. */
export const JobsHealthSchema = z.object({ status: z.literal('ok') })
export type JobsHealth = z.infer<typeof JobsHealthSchema>
