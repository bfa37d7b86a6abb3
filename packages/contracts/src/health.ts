import type { PluginName } from './constants'
import { FilesHealthSchema } from './files'
import { IdmeHealthSchema } from './idme'
import { JobsHealthSchema } from './jobs'
import { NotificationsHealthSchema } from './notifications'
import { RealtimeHealthSchema } from './realtime'

/** The `GET /health` schema of each plugin, in the real plugin's shape. */
export const HEALTH_SCHEMAS = {
  realtime: RealtimeHealthSchema,
  notifications: NotificationsHealthSchema,
  jobs: JobsHealthSchema,
  files: FilesHealthSchema,
  idme: IdmeHealthSchema,
} as const satisfies Record<PluginName, unknown>
