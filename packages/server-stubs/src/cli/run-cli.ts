import { parseArgs } from 'node:util'
import { DEFAULT_PORTS, PLUGINS, type PluginName } from '@nself/contracts'
import { parseDurationSeconds } from '../auth/duration'
import { signDevToken } from '../auth/jwt'
import { DEV_SECRET_WARNING, resolveJwtSecret } from '../auth/jwt-secret'
import { createJsonLogger } from '../http/logger'
import { startStubs } from '../start-stubs'

/** Where the CLI writes and what it reads; the defaults are the process's. */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void
  /** Writes to standard error. */
  stderr(text: string): void
  /** The environment (secrets, ports). */
  env: Record<string, string | undefined>
  /**
   * Stops `start` when aborted. Without it, `start` stops on SIGINT or SIGTERM.
   */
  signal?: AbortSignal
  /** Called once `start` is listening, with each plugin's URL (tests). */
  onListening?(urls: Partial<Record<PluginName, string>>): void
}

export const USAGE = `nself-stubs — local reference servers for the nself plugins

Usage:
  nself-stubs [start] [--only <plugins>] [--port <plugin>=<port> ...] [--host <host>] [--quiet]
  nself-stubs token --user <id> [--session <id>] [--role <role>] [--expires <duration>]
                    [--plugin <plugin>] [--secret <secret>]
  nself-stubs --help

Commands:
  start (default)  Start the plugins and print their URLs; Ctrl+C (SIGINT) or SIGTERM stops them.
  token            Print a development JWT (HS256) the servers accept.

Options of start:
  --only <list>             Comma-separated plugins to start (default: all):
                            ${PLUGINS.join(', ')} ("file-processing" = files)
  --port <plugin>=<port>    Port of a plugin; repeatable or comma-separated (0 = any free port).
                            Defaults: ${PLUGINS.map((p) => `${p} ${DEFAULT_PORTS[p]}`).join(', ')}
  --host <host>             Interface to bind (default 127.0.0.1; 0.0.0.0 for all)
  --quiet                   No request logs

Options of token:
  --user, -u <id>           The userId claim (required)
  --session <id>            The sessionId claim (default: a random UUID)
  --role <role>             The role claim; "service" may act for any user
  --expires <duration>      Lifetime: seconds or 30m, 1h, 7d …; "never" for none (default 1h)
  --plugin <plugin>         Resolve the secret as that plugin does (its own *_JWT_SECRET first)
  --secret <secret>         Sign with this secret instead

Environment:
  NSELF_JWT_SECRET          Shared HS256 secret (each plugin's own variable wins:
                            REALTIME_JWT_SECRET, NOTIFICATIONS_JWT_SECRET, JOBS_JWT_SECRET,
                            FILE_PROCESSING_JWT_SECRET, IDME_JWT_SECRET). Unset: a public
                            development default — tokens are then forgeable.
  <PLUGIN>_PORT             Port of a plugin (REALTIME_PORT, FILE_PROCESSING_PORT …)
  <PLUGIN>_CORS_ORIGIN      Allowed origins ("*" or a comma-separated list); NSELF_CORS_ORIGIN for all
  REALTIME_ALLOW_ANONYMOUS  "true" accepts sockets without a token
`

/** A usage error: the CLI prints it with a hint and exits with status 2. */
class UsageError extends Error {}

/**
 * Runs the `nself-stubs` CLI with `argv` (without `node` and the script). Resolves the exit
 * status: 0 on success, 1 when a server cannot start, 2 on a usage error.
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const out: CliIo = {
    stdout: io.stdout ?? ((text) => process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => process.stderr.write(text)),
    env: io.env ?? process.env,
    ...(io.signal ? { signal: io.signal } : {}),
    ...(io.onListening ? { onListening: io.onListening } : {}),
  }
  const [first, ...rest] = argv
  const command = first === undefined || first.startsWith('-') ? 'start' : first
  const args = command === first ? rest : [...argv]
  try {
    if (args.includes('--help') || args.includes('-h') || command === 'help') {
      out.stdout(USAGE)
      return 0
    }
    if (command === 'start') return await start(args, out)
    if (command === 'token') return token(args, out)
    throw new UsageError(`unknown command "${command}"`)
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      out.stderr(`nself-stubs: ${(error as Error).message}\nRun "nself-stubs --help" for usage.\n`)
      return 2
    }
    out.stderr(`nself-stubs: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

async function start(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      only: { type: 'string' },
      port: { type: 'string', multiple: true },
      host: { type: 'string' },
      quiet: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  })
  const plugins = values.only === undefined ? [...PLUGINS] : parsePluginList(values.only)
  const ports = parsePorts(values.port ?? [])
  for (const plugin of Object.keys(ports) as PluginName[]) {
    if (!plugins.includes(plugin))
      throw new UsageError(`--port ${plugin}=… given but ${plugin} is not started`)
  }
  const running = await startStubs({
    plugins,
    ports,
    env: io.env,
    logger: values.quiet ? false : createJsonLogger((line) => io.stdout(line)),
    ...(values.host === undefined ? {} : { host: values.host }),
  })
  const width = Math.max(...plugins.map((p) => p.length))
  const lines = plugins.map(
    (p) => `  ${p.padEnd(width)}  ${running.urls[p]}   health: ${running.urls[p]}/health`,
  )
  io.stdout(
    `nself-stubs: ${plugins.length} plugin server${plugins.length === 1 ? '' : 's'} running\n${lines.join('\n')}\n`,
  )
  if (plugins.some((p) => resolveJwtSecret(p, undefined, io.env).source === 'development-default')) {
    io.stdout(`\n  ${DEV_SECRET_WARNING}\n`)
  }
  io.stdout(`\nA token: nself-stubs token --user alice\nPress Ctrl+C to stop.\n`)
  io.onListening?.(running.urls)

  await waitForStop(io.signal)
  io.stdout('nself-stubs: stopping\n')
  await running.close()
  return 0
}

function token(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({
    args: [...args],
    options: {
      user: { type: 'string', short: 'u' },
      session: { type: 'string' },
      role: { type: 'string' },
      expires: { type: 'string' },
      plugin: { type: 'string' },
      secret: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (!values.user) throw new UsageError('token needs --user <id>')
  const plugin = values.plugin === undefined ? undefined : parsePlugin(values.plugin)
  const resolved = resolveJwtSecret(plugin, values.secret, io.env)
  if (resolved.source === 'development-default') io.stderr(`nself-stubs: ${DEV_SECRET_WARNING}\n`)
  let expiresIn: string | null = values.expires ?? '1h'
  if (expiresIn === 'never') expiresIn = null
  else {
    try {
      parseDurationSeconds(expiresIn)
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
  }
  const jwt = signDevToken(
    {
      userId: values.user,
      ...(values.session === undefined ? {} : { sessionId: values.session }),
      ...(values.role === undefined ? {} : { role: values.role }),
      expiresIn,
    },
    resolved.secret,
  )
  io.stdout(`${jwt}\n`)
  return 0
}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    return new Promise((resolve) => {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
    })
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

const ALIASES: Record<string, PluginName> = {
  'file-processing': 'files',
  file_processing: 'files',
  file: 'files',
  notification: 'notifications',
  job: 'jobs',
}

function parsePlugin(name: string): PluginName {
  const key = name.trim().toLowerCase()
  const plugin = (PLUGINS as readonly string[]).includes(key) ? (key as PluginName) : ALIASES[key]
  if (!plugin) throw new UsageError(`unknown plugin "${name}" (one of ${PLUGINS.join(', ')})`)
  return plugin
}

function parsePluginList(list: string): PluginName[] {
  const plugins = [
    ...new Set(
      list
        .split(',')
        .filter((s) => s.trim() !== '')
        .map(parsePlugin),
    ),
  ]
  if (plugins.length === 0) throw new UsageError('--only needs at least one plugin')
  return plugins
}

function parsePorts(values: readonly string[]): Partial<Record<PluginName, number>> {
  const ports: Partial<Record<PluginName, number>> = {}
  for (const item of values.flatMap((v) => v.split(','))) {
    if (item.trim() === '') continue
    const match = /^\s*([\w-]+)\s*=\s*(\d+)\s*$/.exec(item)
    if (!match?.[1] || match[2] === undefined)
      throw new UsageError(`--port wants <plugin>=<port>, got "${item}"`)
    const port = Number(match[2])
    if (port > 65_535) throw new UsageError(`--port ${item}: not a port`)
    ports[parsePlugin(match[1])] = port
  }
  return ports
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}
