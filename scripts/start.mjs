// `npm start`: build the SDKs and the stubs, start `nself-stubs` (all five plugins on their
// seed ports) and the example app, wait until everything answers, then print the URLs.
// Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0' }
const APP_PORT = Number(process.env.PORT ?? 3000)
const PLUGINS = {
  realtime: 3101,
  notifications: 3102,
  files: 3104,
  jobs: 3105,
  idme: 3010,
}

console.log('Building the packages (cached after the first run)…')
const build = spawnSync(
  'npx',
  ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'],
  {
    cwd: root,
    env,
    stdio: 'inherit',
  },
)
if (build.status !== 0) process.exit(build.status ?? 1)

const children = []
function run(name, command, args, cwd) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const prefix = (chunk) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => `[${name}] ${line}`)
      .join('\n')
  child.stdout.on('data', (d) => {
    if (process.env.NSELF_START_VERBOSE) return console.log(prefix(d))
    // Warnings always show (e.g. the development JWT secret: tokens are forgeable).
    for (const line of d.toString().split('\n')) {
      if (line.includes('"level":"warn"')) {
        try {
          console.warn(`[${name}] warning: ${JSON.parse(line).msg}`)
        } catch {
          console.warn(`[${name}] ${line}`)
        }
      }
    }
  })
  child.stderr.on('data', (d) => console.error(prefix(d)))
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited (${signal ?? code}); stopping`)
      stop(1)
    }
  })
  children.push(child)
  return child
}

let stopping = false
function stop(code = 0) {
  if (stopping) return
  stopping = true
  for (const child of children) child.kill('SIGTERM')
  setTimeout(() => process.exit(code), 1500).unref()
}
process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))

run('stubs', process.execPath, [join(root, 'packages/server-stubs/dist/cli.mjs'), 'start'], root)
run('app', 'npx', ['next', 'dev', '--port', String(APP_PORT)], join(root, 'examples/nextjs'))

async function waitFor(url, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      if (res.ok) return true
    } catch {}
    await new Promise((r) => setTimeout(r, 300))
  }
  return false
}

const results = await Promise.all(
  Object.entries(PLUGINS).map(async ([name, port]) => [
    name,
    port,
    await waitFor(`http://localhost:${port}/health`),
  ]),
)
const appUrl = `http://localhost:${APP_PORT}`
const appUp = await waitFor(appUrl)
if (stopping) process.exit(1)
console.log('\nnself-stubs:')
for (const [name, port, ok] of results) {
  console.log(
    `  ${ok ? '✓' : '✗'} ${name.padEnd(14)} http://localhost:${port}  (health: http://localhost:${port}/health)`,
  )
}
console.log(`\nExample app:\n  ${appUp ? '✓' : '✗'} ${appUrl}\n`)
console.log('Development token: npx nself-stubs token --user alice')
console.log('Press Ctrl-C to stop.')
if (!appUp || results.some(([, , ok]) => !ok)) {
  console.error('Something did not come up; see the messages above.')
  stop(1)
}
