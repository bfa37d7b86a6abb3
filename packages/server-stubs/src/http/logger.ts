/** One structured log record. The default logger adds `time` and `level` and prints it as JSON. */
export interface LogRecord {
  /** What happened, e.g. `request`, `listening`. */
  msg: string
  /** The plugin that logged it. */
  plugin?: string
  /** Any further structured fields. */
  [field: string]: unknown
}

/**
 * Where the stubs log. Structurally compatible with `console` and with pino, so either can be
 * passed as is; pass `false` in a server's options to silence it.
 */
export interface Logger {
  /** Routine events: one line per request, `listening`. */
  info(record: LogRecord): void
  /** Misconfiguration worth attention, e.g. the development JWT secret in use. */
  warn(record: LogRecord): void
  /** 5xx responses and unexpected errors (the record's `error` field holds the `Error`). */
  error(record: LogRecord): void
}

/**
 * A logger writing one JSON line per record: `{ time, level, plugin, msg, ...fields }`.
 * `write` defaults to `process.stdout`.
 */
export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const log = (level: 'info' | 'warn' | 'error') => (record: LogRecord) => {
    write(`${safeStringify({ time: new Date().toISOString(), level, plugin: record.plugin, ...record })}\n`)
  }
  return { info: log('info'), warn: log('warn'), error: log('error') }
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} }

/** Resolves the `logger` option: `false` → silent, `undefined` → JSON to stdout. */
export function resolveLogger(logger: Logger | false | undefined): Logger {
  if (logger === false) return silentLogger
  return logger ?? createJsonLogger()
}

/** Serialises an `Error` in a record as `{ name, message, stack }` and never throws. */
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) =>
      v instanceof Error
        ? { name: v.name, message: v.message, stack: v.stack }
        : typeof v === 'bigint'
          ? String(v)
          : v,
    )
  } catch {
    return JSON.stringify({
      time: new Date().toISOString(),
      level: 'error',
      msg: 'unserialisable log record',
    })
  }
}
