/** Label names to values. */
export type Labels = Readonly<Record<string, string>>

/** A sample produced when the registry is rendered. */
export interface Sample {
  /** The series' labels (none when omitted). */
  labels?: Labels
  /** The sample value. */
  value: number
}

/** A monotonically increasing counter. */
export interface Counter {
  /** Adds `value` (default 1, must be ≥ 0) to the series with `labels`. */
  inc(labels?: Labels, value?: number): void
  /** The current value of the series with `labels` (0 when unseen). */
  get(labels?: Labels): number
}

/** A value that goes up and down. */
export interface Gauge {
  /** Sets the series with `labels`. */
  set(value: number, labels?: Labels): void
  /** Adds `value` (default 1). */
  inc(labels?: Labels, value?: number): void
  /** Subtracts `value` (default 1). */
  dec(labels?: Labels, value?: number): void
  /** The current value of the series with `labels` (0 when unseen). */
  get(labels?: Labels): number
}

interface Family {
  name: string
  help: string
  type: 'counter' | 'gauge'
  series: Map<string, { labels: Labels; value: number }>
  collect?: () => number | readonly Sample[]
}

/** The content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * A small Prometheus registry: counters and gauges with labels, rendered in the text
 * exposition format (`# HELP` / `# TYPE` lines). Gauges may compute their value at scrape
 * time with `collect`.
 */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>()

  /**
   * Registers (or returns the existing) counter `name`. With `collect`, its samples are read
   * at every render from a value kept elsewhere (which must only grow).
   */
  counter(name: string, help: string, collect?: () => number | readonly Sample[]): Counter {
    const family = this.#family(name, help, 'counter')
    if (collect) family.collect = collect
    return {
      inc: (labels = {}, value = 1) => {
        if (!(value >= 0)) throw new RangeError(`counter ${name} can only increase`)
        bump(family, labels, value)
      },
      get: (labels = {}) => family.series.get(labelKey(labels))?.value ?? 0,
    }
  }

  /**
   * Registers (or returns the existing) gauge `name`. With `collect`, its samples are
   * computed at every render instead of set.
   */
  gauge(name: string, help: string, collect?: () => number | readonly Sample[]): Gauge {
    const family = this.#family(name, help, 'gauge')
    if (collect) family.collect = collect
    return {
      set: (value, labels = {}) => {
        family.series.set(labelKey(labels), { labels, value })
      },
      inc: (labels = {}, value = 1) => bump(family, labels, value),
      dec: (labels = {}, value = 1) => bump(family, labels, -value),
      get: (labels = {}) => family.series.get(labelKey(labels))?.value ?? 0,
    }
  }

  /** The whole registry in the Prometheus text format (version 0.0.4). */
  render(): string {
    const lines: string[] = []
    for (const family of this.#families.values()) {
      lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`)
      const samples = family.collect ? toSamples(family.collect()) : [...family.series.values()]
      for (const sample of samples)
        lines.push(`${family.name}${renderLabels(sample.labels ?? {})} ${renderValue(sample.value)}`)
    }
    return `${lines.join('\n')}\n`
  }

  #family(name: string, help: string, type: Family['type']): Family {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name: ${name}`)
    const existing = this.#families.get(name)
    if (existing) {
      if (existing.type !== type) throw new Error(`metric ${name} is already a ${existing.type}`)
      return existing
    }
    const family: Family = { name, help, type, series: new Map() }
    this.#families.set(name, family)
    return family
  }
}

function bump(family: Family, labels: Labels, value: number): void {
  const key = labelKey(labels)
  const series = family.series.get(key)
  if (series) series.value += value
  else family.series.set(key, { labels, value })
}

function toSamples(value: number | readonly Sample[]): readonly Sample[] {
  return typeof value === 'number' ? [{ value }] : value
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

function renderLabels(labels: Labels): string {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ''
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}
