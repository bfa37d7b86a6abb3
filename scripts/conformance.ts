/**
 * Contract conformance of the nself plugins.
 *
 *   npm run conformance -- [--realtime-url U] [--notifications-url U] [--jobs-url U]
 *                          [--files-url U] [--idme-url U] [--token T | --secret S] [--timeout MS]
 *
 * Without any URL, the reference servers are started in-process on free ports and checked.
 * With URLs, only those plugins are checked, against that deployment. Tokens: `--token` (a
 * valid token), else `--secret` (signs valid and expired tokens), else the secret resolved as
 * the stubs resolve it (REALTIME_JWT_SECRET, NSELF_JWT_SECRET, the development default).
 * Prints one line per case and `N passed, N failed`; exits 1 on any failure.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { PLUGINS, type PluginName } from '@nself/contracts'
import { type ConformanceTarget, formatResult, runConformance } from '../conformance/cases'
import { resolveJwtSecret, signDevToken, startStubs } from '../packages/server-stubs/src/index'

const URL_FLAGS = {
  realtime: 'realtime-url',
  notifications: 'notifications-url',
  jobs: 'jobs-url',
  files: 'files-url',
  idme: 'idme-url',
} as const satisfies Record<PluginName, string>

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'realtime-url': { type: 'string' },
      'notifications-url': { type: 'string' },
      'jobs-url': { type: 'string' },
      'files-url': { type: 'string' },
      'idme-url': { type: 'string' },
      token: { type: 'string' },
      secret: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(
      'npm run conformance -- [--<plugin>-url URL ...] [--token T | --secret S] [--timeout MS]\n' +
        `plugins: ${PLUGINS.join(', ')}; without URLs the reference servers are started in-process.\n`,
    )
    return 0
  }
  if (values.token && values.secret) throw new Error('give --token or --secret, not both')

  const urls: Partial<Record<PluginName, string>> = {}
  for (const plugin of PLUGINS) {
    const url = values[URL_FLAGS[plugin]]
    if (url) urls[plugin] = new URL(url).href.replace(/\/$/, '')
  }
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout)

  let stop: (() => Promise<void>) | undefined
  let secretFor: (plugin: PluginName) => string
  if (Object.keys(urls).length === 0) {
    const secret = values.secret ?? randomBytes(32).toString('hex')
    const stubs = await startStubs({
      ports: { realtime: 0, notifications: 0, jobs: 0, files: 0, idme: 0 },
      jwtSecret: secret,
      logger: false,
      env: { NODE_ENV: 'test' },
    })
    Object.assign(urls, stubs.urls)
    stop = () => stubs.close()
    secretFor = () => secret
    process.stdout.write('conformance: against the in-process reference servers\n')
  } else {
    secretFor = (plugin) => values.secret ?? resolveJwtSecret(plugin, undefined, process.env).secret
    process.stdout.write(
      `conformance: against ${Object.entries(urls)
        .map(([p, u]) => `${p} ${u}`)
        .join(', ')}\n`,
    )
  }

  const target: ConformanceTarget = {
    urls,
    ...(values.token
      ? { token: values.token }
      : { sign: (claims, plugin) => signDevToken(claims, secretFor(plugin)) }),
    ...(timeoutMs === undefined || Number.isNaN(timeoutMs) ? {} : { timeoutMs }),
  }
  try {
    const { passed, failed } = await runConformance(target, (result) =>
      process.stdout.write(`${formatResult(result)}\n`),
    )
    process.stdout.write(`${passed} passed, ${failed} failed\n`)
    return failed > 0 ? 1 : 0
  } finally {
    await stop?.()
  }
}

main().then(
  (status) => {
    process.exitCode = status
  },
  (error: unknown) => {
    process.stderr.write(`conformance: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 2
  },
)
