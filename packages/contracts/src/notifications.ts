/**
 * The notifications plugin's HTTP API (port 3102), as `reference/WIRE.md` gives it: the Go
 * rewrite's `/v1/...` routes with snake_case fields. Additions are marked `extension`.
 */
import * as z from 'zod/mini'
import { IsoDateTime } from './common'

export * from './notifications/go-api'
export * from './notifications/inbox'
export * from './notifications/notifications-constants'
export * from './notifications/preferences'

/**
 * `GET /health`. extension: the Go plugin declares a health route but registers none; ours
 * answers in the shape its siblings use.
 */
export const NotificationsHealthSchema = z.object({
  status: z.literal('ok'),
  service: z.literal('notifications'),
  timestamp: IsoDateTime,
})
export type NotificationsHealth = z.infer<typeof NotificationsHealthSchema>
