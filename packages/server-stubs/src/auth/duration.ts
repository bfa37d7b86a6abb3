const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
  w: 604_800,
  week: 604_800,
  weeks: 604_800,
  y: 31_557_600,
  year: 31_557_600,
  years: 31_557_600,
}

/**
 * Parses a duration such as `90`, `30s`, `15m`, `1h`, `7d`, `2 weeks` (a plain number is
 * seconds; a leading `-` gives a negative duration) into whole seconds.
 * Throws a `RangeError` for anything else.
 */
export function parseDurationSeconds(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`invalid duration: ${value}`)
    return Math.round(value)
  }
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = (match?.[2] ?? '').toLowerCase()
  const factor = unit === '' ? 1 : UNIT_SECONDS[unit]
  if (!match || factor === undefined) {
    throw new RangeError(`invalid duration: "${value}" (use e.g. 3600, 30m, 1h, 7d)`)
  }
  return Math.round(Number(match[1]) * factor)
}
