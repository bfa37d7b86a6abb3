import type { Frequency } from '@nself/contracts/notifications'

/** Minutes since local midnight of `at` in `timeZone`, and the local weekday (0 = Sunday). */
export function localClock(at: number, timeZone: string): { minutes: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
  }).formatToParts(at)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0'
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'))
  return { minutes: Number(get('hour')) * 60 + Number(get('minute')), weekday }
}

function clockMinutes(value: string): number {
  const [h = '0', m = '0'] = value.split(':')
  return Number(h) * 60 + Number(m)
}

/**
 * When quiet hours `[start, end)` (local `HH:MM` in `timeZone`, may span midnight) are on at
 * `now`, the instant they end; otherwise `null`. Deliveries held until then are deferred, not dropped.
 */
export function quietUntil(
  now: number,
  start: string | null,
  end: string | null,
  timeZone: string,
): number | null {
  if (!start || !end || start === end) return null
  const s = clockMinutes(start)
  const e = clockMinutes(end)
  const { minutes } = localClock(now, timeZone)
  const inside = s < e ? minutes >= s && minutes < e : minutes >= s || minutes < e
  if (!inside) return null
  const wait = (e - minutes + 1440) % 1440
  return startOfMinute(now) + wait * 60_000
}

/** The next digest boundary for `frequency` after `now` (`null` for `immediate`). */
export function nextDigestAt(now: number, frequency: Frequency, timeZone: string): number | null {
  if (frequency === 'immediate' || frequency === 'disabled') return null
  if (frequency === 'hourly') return Math.floor(now / 3_600_000) * 3_600_000 + 3_600_000
  const { minutes, weekday } = localClock(now, timeZone)
  const toMidnight = 1440 - minutes
  const days = frequency === 'weekly' ? (8 - weekday) % 7 || 7 : 1
  return startOfMinute(now) + (toMidnight + (days - 1) * 1440) * 60_000
}

function startOfMinute(at: number): number {
  return Math.floor(at / 60_000) * 60_000
}
