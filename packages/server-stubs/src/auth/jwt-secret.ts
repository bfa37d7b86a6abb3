import type { PluginName } from '@nself/contracts'
import { type Logger, silentLogger } from '../http/logger'
import { pluginEnvName } from '../plugin-env'

/**
 * The secret used when none is configured. It is public (it is in this file), so anyone can
 * forge tokens the stubs accept: for local development only.
 */
export const DEV_JWT_SECRET = 'nself-development-secret-do-not-use-in-production'

/** The shared secret variable, read when a plugin's own is unset. */
export const SHARED_JWT_SECRET_ENV = 'NSELF_JWT_SECRET'

/** Where a resolved secret came from. */
export type JwtSecretSource = 'option' | 'plugin-env' | 'shared-env' | 'development-default'

/** A resolved secret and its origin. */
export interface ResolvedJwtSecret {
  /** The HS256 secret. */
  secret: string
  /** Where it came from. */
  source: JwtSecretSource
  /** The environment variable it was read from, if any. */
  envName?: string
}

/**
 * Resolves the JWT secret of `plugin`: the explicit option, else the plugin's own variable
 * (`REALTIME_JWT_SECRET`, `NOTIFICATIONS_JWT_SECRET`, `JOBS_JWT_SECRET`,
 * `FILE_PROCESSING_JWT_SECRET`, `IDME_JWT_SECRET`), else `NSELF_JWT_SECRET`, else
 * {@link DEV_JWT_SECRET}. Without `plugin`, the shared variable and then the default.
 */
export function resolveJwtSecret(
  plugin: PluginName | undefined,
  option: string | undefined,
  env: Record<string, string | undefined>,
): ResolvedJwtSecret {
  if (option) return { secret: option, source: 'option' }
  if (plugin) {
    const envName = pluginEnvName(plugin, 'JWT_SECRET')
    const own = env[envName]
    if (own) return { secret: own, source: 'plugin-env', envName }
  }
  const shared = env[SHARED_JWT_SECRET_ENV]
  if (shared) return { secret: shared, source: 'shared-env', envName: SHARED_JWT_SECRET_ENV }
  return { secret: DEV_JWT_SECRET, source: 'development-default' }
}

/** The warning printed when the development default secret is in use. */
export const DEV_SECRET_WARNING =
  'NO JWT SECRET CONFIGURED: using the public development default. Anyone can forge tokens these ' +
  `servers accept. Set ${SHARED_JWT_SECRET_ENV} (or the plugin's own *_JWT_SECRET) for anything but local development.`

let warned = false

/** Logs {@link DEV_SECRET_WARNING} once per process (later calls do nothing). */
export function warnDevSecretOnce(logger: Logger, plugin?: PluginName): void {
  // A silenced server must not use up the one warning another server would print.
  if (warned || logger === silentLogger) return
  warned = true
  logger.warn({ msg: DEV_SECRET_WARNING, ...(plugin ? { plugin } : {}), security: 'forgeable-tokens' })
}
