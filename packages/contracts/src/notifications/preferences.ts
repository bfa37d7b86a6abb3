// How preferences change, shared by the client's optimistic update, the msw handlers and the
// reference server, so the three cannot drift. Zod-free: clients ship it in production.
import type { Preference } from './go-api'

type TypeEntry = { channels?: object }

/**
 * Per-type preferences after an update: each entry merges into the current one (its `channels`
 * too), a type set to `null` is removed, types not named are kept.
 */
export function mergeTypePreferences<T extends TypeEntry>(
  current: Readonly<Record<string, T>> | undefined,
  update: Readonly<Record<string, T | null>> | undefined,
): Record<string, T> {
  const types = { ...current }
  for (const [type, value] of Object.entries(update ?? {}))
    if (value === null) delete types[type]
    else types[type] = { ...types[type], ...value, channels: { ...types[type]?.channels, ...value.channels } }
  return types
}

/** A user's preferences before they set any (the Go plugin's: every channel on, `channels: {}`). */
export function defaultPreference(userId: string, at: string): Preference {
  return {
    user_id: userId,
    email_enabled: true,
    push_enabled: true,
    sms_enabled: true,
    quiet_start: null,
    quiet_end: null,
    channels: {},
    updated_at: at,
    in_app_enabled: true,
    timezone: 'UTC',
    frequency: 'immediate',
    types: {},
  }
}
