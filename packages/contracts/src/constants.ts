// Plain data, no zod: client bundles import these in production, and a module without
// schemas lets the bundler drop zod entirely (the package is sideEffects: false).

/** The five nself plugins this SDK speaks to. */
export const PLUGINS = ['realtime', 'notifications', 'jobs', 'files', 'idme'] as const
export type PluginName = (typeof PLUGINS)[number]

/** Default ports of the plugins, as the seeds and the real plugins use them. */
export const DEFAULT_PORTS: Record<PluginName, number> = {
  realtime: 3101,
  notifications: 3102,
  files: 3104,
  jobs: 3105,
  idme: 3010,
}

/**
 * The tenancy header the TypeScript plugins read (`X-App-Name`, else `?app=`, else `primary`).
 */
export const APP_NAME_HEADER = 'x-app-name'

/** Normalise an app name as the plugins do: lower-cased, chars outside `[a-z0-9_-]` become `-`. */
export function normalizeAppName(value: string | null | undefined): string {
  const v = (value ?? '').trim().toLowerCase()
  return v ? v.replace(/[^a-z0-9_-]/g, '-') : 'primary'
}
