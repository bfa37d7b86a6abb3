import type { PresenceChange, StoredPresence, UserPresence } from './realtime-store'
import { defaultPresence } from './realtime-store'

// The presence transitions, pure, so the memory and Redis stores apply exactly the same rules.

/**
 * A user's first socket connects: they start over `online` without custom status, as the
 * real plugin does on connect — except an `invisible` user, who never flashes online.
 */
export function presenceOnConnect(current: StoredPresence | null, now: number): StoredPresence {
  if (current?.status === 'invisible') {
    return { ...withoutExpiredCustom(current, now), autoAway: false, lastActivity: now }
  }
  return defaultPresence(now)
}

/** `presence:update`: status and custom status are replaced as a whole (as the real plugin does). */
export function presenceOnSet(
  current: StoredPresence | null,
  change: PresenceChange,
  now: number,
): StoredPresence {
  return { ...change, autoAway: false, lastActivity: current?.lastActivity ?? now }
}

/** Activity: refreshes `lastActivity` and lifts an auto-away (`lifted`). */
export function presenceOnActivity(
  current: StoredPresence | null,
  now: number,
): { next: StoredPresence; lifted: boolean } {
  const base = current ?? defaultPresence(now)
  const lifted = base.autoAway && base.status === 'away'
  return {
    next: { ...base, ...(lifted ? { status: 'online' as const } : {}), autoAway: false, lastActivity: now },
    lifted,
  }
}

/** Inactivity: a connected `online` user idle since `idleSince` turns `away`; `null` otherwise. */
export function presenceOnIdle(
  current: StoredPresence | null,
  connected: boolean,
  idleSince: number,
): StoredPresence | null {
  if (!current || !connected || current.status !== 'online' || current.lastActivity > idleSince) return null
  return { ...current, status: 'away', autoAway: true }
}

/** Clears a lapsed custom status; `null` when there is none to clear. */
export function presenceOnExpiry(current: StoredPresence | null, now: number): StoredPresence | null {
  if (!current || current.customExpiresAt === null || current.customExpiresAt > now) return null
  return withoutExpiredCustom(current, now)
}

function withoutExpiredCustom(p: StoredPresence, now: number): StoredPresence {
  if (p.customExpiresAt === null || p.customExpiresAt > now) return p
  return { ...p, customStatus: null, customEmoji: null, customExpiresAt: null }
}

/** What others see: disconnected and invisible users are `offline`, custom statuses read as lapsed. */
export function visibleStatus(p: UserPresence, self: boolean): StoredPresence['status'] {
  if (!p.connected) return 'offline'
  if (p.status === 'invisible' && !self) return 'offline'
  return p.status
}

/** Parses a stored presence (JSON), tolerating missing fields; `null` when absent or unreadable. */
export function parsePresence(raw: string | null | undefined): StoredPresence | null {
  if (!raw) return null
  try {
    const value = JSON.parse(raw) as Partial<StoredPresence>
    const status = value.status
    if (
      status !== 'online' &&
      status !== 'away' &&
      status !== 'busy' &&
      status !== 'offline' &&
      status !== 'invisible'
    ) {
      return null
    }
    return {
      status,
      customStatus: typeof value.customStatus === 'string' ? value.customStatus : null,
      customEmoji: typeof value.customEmoji === 'string' ? value.customEmoji : null,
      customExpiresAt: typeof value.customExpiresAt === 'number' ? value.customExpiresAt : null,
      autoAway: value.autoAway === true,
      lastActivity: typeof value.lastActivity === 'number' ? value.lastActivity : 0,
    }
  } catch {
    return null
  }
}

/** The statuses counted in `/metrics`. */
export function countPresence(presences: readonly UserPresence[]): {
  online: number
  away: number
  busy: number
  offline: number
} {
  const counts = { online: 0, away: 0, busy: 0, offline: 0 }
  for (const p of presences) {
    const status = visibleStatus(p, false)
    counts[status === 'invisible' ? 'offline' : status]++
  }
  return counts
}
