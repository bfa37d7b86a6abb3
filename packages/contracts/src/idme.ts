/**
 * The idme plugin's HTTP API (port 3010) and ID.me's own documented OAuth/OIDC shapes, as
 * `reference/WIRE.md` gives them. Additions are marked `extension`.
 */
import * as z from 'zod/mini'

/** `GET /health` of the idme plugin. */
export const IdmeHealthSchema = z.object({ status: z.literal('ok'), service: z.literal('idme-plugin') })
export type IdmeHealth = z.infer<typeof IdmeHealthSchema>
