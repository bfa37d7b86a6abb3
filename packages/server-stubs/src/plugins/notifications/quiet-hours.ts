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

/**
 * The next digest boundary for `frequency` after `now` in `timeZone` (`null` for `immediate`):
 * the top of the next local hour, the next local midnight, or the next local Monday midnight.
 */
export function nextDigestAt(now: number, frequency: Frequency, timeZone: string): number | null {
  if (frequency === 'immediate' || frequency === 'disabled') return null
  const { minutes, weekday } = localClock(now, timeZone)
  if (frequency === 'hourly') return startOfMinute(now) + (60 - (minutes % 60)) * 60_000
  const toMidnight = 1440 - minutes
  const days = frequency === 'weekly' ? (8 - weekday) % 7 || 7 : 1
  const guess = startOfMinute(now) + (toMidnight + (days - 1) * 1440) * 60_000
  // A daylight-saving change on the way moves local midnight by the offset's change.
  const off = localClock(guess, timeZone).minutes
  return off === 0 ? guess : guess - (off > 720 ? off - 1440 : off) * 60_000
}

/**
 * When a digest of `frequency` held at `now` goes out: the next boundary, or the end of quiet
 * hours when the boundary falls inside them.
 */
export function digestDueAt(
  now: number,
  frequency: Frequency,
  quiet: { start: string | null; end: string | null },
  timeZone: string,
): number | null {
  const boundary = nextDigestAt(now, frequency, timeZone)
  if (boundary === null) return null
  return quietUntil(boundary, quiet.start, quiet.end, timeZone) ?? boundary
}

function startOfMinute(at: number): number {
  return Math.floor(at / 60_000) * 60_000
}
