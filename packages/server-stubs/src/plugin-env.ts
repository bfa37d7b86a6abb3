import type { PluginName } from '@nself/contracts'

/** The prefix of each plugin's environment variables (the real plugins' names). */
export const PLUGIN_ENV_PREFIX: Record<PluginName, string> = {
  realtime: 'REALTIME',
  notifications: 'NOTIFICATIONS',
  jobs: 'JOBS',
  files: 'FILE_PROCESSING',
  idme: 'IDME',
}

/** `pluginEnvName('files', 'PORT')` → `FILE_PROCESSING_PORT`. */
export function pluginEnvName(plugin: PluginName, suffix: string): string {
  return `${PLUGIN_ENV_PREFIX[plugin]}_${suffix}`
}

/** Reads a variable, treating an empty string as unset. */
export function readEnv(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

/** Reads a boolean variable (`true`/`1`/`yes` → true). */
export function readEnvFlag(env: Record<string, string | undefined>, name: string): boolean {
  return /^(true|1|yes|on)$/i.test(env[name] ?? '')
}

/** Reads a non-negative integer variable; `fallback` when unset or invalid. */
export function readEnvInt(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = readEnv(env, name)
  const value = raw === undefined ? Number.NaN : Number(raw)
  return Number.isInteger(value) && value >= 0 ? value : fallback
}
