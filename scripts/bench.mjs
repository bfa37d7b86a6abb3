// `npm run bench [-- <filter>] [--verbose] [--timeout=<s>]`: runs every benchmark and prints one table
// (id, value, unit, baseline, ratio), and writes every figure to bench-results.json at the root.
// The built-in size measurement runs first; then each benchmark file (*.bench.{mjs,js,ts,mts} under
// packages/*/bench/, packages/*/src/ or tools/bench/benches/) runs in its own child process, one at a time.
// <filter> keeps the figures whose id, or the files whose path, contains it. A failing benchmark is
// reported and makes the run exit 1; the others still run. Protocol: tools/bench/README.md.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT, sizeFigures } from './size/measure.mjs'
import { renderTable } from './size/table.mjs'

const argv = process.argv.slice(2)
const verbose = argv.includes('--verbose')
const timeoutArg = argv.find((a) => a.startsWith('--timeout='))
const timeoutMs = (timeoutArg ? Number(timeoutArg.split('=')[1]) : 180) * 1000
const unknown = argv.filter((a) => a.startsWith('--') && a !== '--verbose' && a !== timeoutArg)
const filters = argv.filter((a) => !a.startsWith('--'))
if (unknown.length > 0 || filters.length > 1 || !(timeoutMs > 0)) {
  console.error('usage: npm run bench [-- <filter>] [--verbose] [--timeout=<seconds per file>]')
  process.exit(2)
}
const filter = filters[0] ?? ''
const BENCH_FILE = /\.bench\.(mjs|js|ts|mts)$/
const HARNESS = path.join(ROOT, 'tools/bench/run-file.mjs')

const figures = []
const failures = []
const skipped = []
const log = (line) => process.stderr.write(`${line}\n`)

// 1. Built-in: bundle sizes against the anchors, measured fresh in this process.
{
  const started = performance.now()
  try {
    const result = await sizeFigures({ filter })
    for (const figure of result.figures) accept(figure, 'size')
    failures.push(...result.failures)
    skipped.push(...result.skipped)
    if (result.figures.length > 0 || result.failures.length > 0) {
      log(`bench: size (built-in) ${seconds(started)} s, ${result.figures.length} figures`)
    }
  } catch (error) {
    failures.push({ name: 'size (built-in)', message: error?.stack ?? String(error) })
  }
}

// 2. Benchmark files, each in its own process so that one crash or leak cannot take the others down.
for (const file of discover()) {
  const rel = path.relative(ROOT, file)
  const fileMatches = !filter || rel.includes(filter)
  const started = performance.now()
  const run = await runFile(file, fileMatches ? '' : filter)
  const kept = run.figures.filter((f) => fileMatches || (typeof f?.id === 'string' && f.id.includes(filter)))
  const failuresBefore = failures.length
  let accepted = 0
  for (const figure of kept) if (accept(figure, rel)) accepted++
  if (run.error) {
    failures.push({ name: rel, message: `${run.error}${run.tail ? `\n${run.tail}` : ''}` })
  }
  const failed = failures.length > failuresBefore
  if (fileMatches || accepted > 0 || failed) {
    log(`bench: ${rel} ${seconds(started)} s, ${accepted} figures${failed ? ', FAILED' : ''}`)
  }
}

const rows = figures.map((f) => [
  f.id,
  format(f.value),
  f.unit,
  f.baseline === undefined ? '' : format(f.baseline),
  f.ratio === undefined ? '' : `${format(f.ratio)}×`,
  f.note ?? '',
])
const withNotes = figures.some((f) => f.note)
const headers = ['id', 'value', 'unit', 'baseline', 'ratio', ...(withNotes ? ['note'] : [])]
console.log(
  figures.length > 0
    ? renderTable(
        headers,
        rows.map((r) => r.slice(0, headers.length)),
        { right: [1, 3, 4] },
      )
    : `no benchmark figure matches ${JSON.stringify(filter)}`,
)
console.log('\nratio: above 1 means ours is better than the baseline (sizes: anchor / ours; KB = 1024 B)')
for (const line of skipped) console.log(`skipped: ${line}`)
writeFileSync(
  path.join(ROOT, 'bench-results.json'),
  `${JSON.stringify(
    figures.map(({ id, value, unit, baseline, ratio, note }) => ({ id, value, unit, baseline, ratio, note })),
    null,
    2,
  )}\n`,
)
console.log(`wrote bench-results.json (${figures.length} figures)`)
if (failures.length > 0) {
  console.error(`\n${failures.length} benchmark(s) FAILED:`)
  for (const { name, message } of failures) console.error(`- ${name}: ${message.replace(/\n/g, '\n    ')}`)
  process.exit(1)
}

/** Validates a figure, fills in its ratio from the baseline, and keeps it; a bad one is a failure. */
function accept(figure, source) {
  const problem = invalid(figure)
  if (problem) {
    failures.push({ name: source, message: `bad figure ${JSON.stringify(figure)}: ${problem}` })
    return false
  }
  const f = { ...figure }
  if (f.ratio === undefined && f.baseline !== undefined && f.baseline !== 0 && f.value !== 0) {
    f.ratio = round(f.better === 'lower' ? f.baseline / f.value : f.value / f.baseline)
  }
  if (figures.some((g) => g.id === f.id)) {
    failures.push({ name: source, message: `duplicate figure id ${f.id}` })
    return false
  }
  figures.push(f)
  return true
}

function invalid(f) {
  if (!f || typeof f !== 'object' || Array.isArray(f)) return 'not an object'
  if (typeof f.id !== 'string' || f.id === '') return 'id must be a non-empty string'
  if (typeof f.value !== 'number' || !Number.isFinite(f.value)) return 'value must be a finite number'
  if (typeof f.unit !== 'string') return 'unit must be a string'
  for (const key of ['baseline', 'ratio']) {
    if (f[key] !== undefined && (typeof f[key] !== 'number' || !Number.isFinite(f[key]))) {
      return `${key} must be a finite number when given`
    }
  }
  if (f.better !== undefined && f.better !== 'higher' && f.better !== 'lower')
    return "better must be 'higher' or 'lower'"
  return undefined
}

function discover() {
  const found = []
  const walk = (dir) => {
    if (!existsSync(dir)) return
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'dist') walk(full)
      else if (entry.isFile() && BENCH_FILE.test(entry.name)) found.push(full)
    }
  }
  for (const pkg of readdirSync(path.join(ROOT, 'packages')).sort()) {
    walk(path.join(ROOT, 'packages', pkg, 'bench'))
    walk(path.join(ROOT, 'packages', pkg, 'src'))
  }
  walk(path.join(ROOT, 'tools/bench/benches'))
  return found.sort()
}

/** Runs one file through the harness; resolves with its figures and, if it failed, why. */
function runFile(file, childFilter) {
  const ts = /\.m?ts$/.test(file)
  const args = [...(ts ? ['--import', 'tsx'] : []), HARNESS, file]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production', BENCH_FILTER: childFilter },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const runFigures = []
    const output = []
    let parseError
    let pending = ''
    const onLine = (line, stream) => {
      if (stream === 'stdout' && line.startsWith('BENCH ')) {
        try {
          runFigures.push(JSON.parse(line.slice(6)))
        } catch {
          parseError ??= `unparsable line: ${line.slice(0, 200)}`
        }
        return
      }
      output.push(line)
      if (output.length > 40) output.shift()
      if (verbose) process.stderr.write(`  | ${line}\n`)
    }
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) onLine(line, 'stdout')
    })
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      for (const line of chunk.split('\n')) if (line) onLine(line, 'stderr')
    })
    // The whole process group goes on timeout, so servers a benchmark started cannot outlive it.
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }, timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (pending) onLine(pending, 'stdout')
      const error = timedOut
        ? `timed out after ${timeoutMs / 1000} s`
        : code !== 0
          ? `exited with ${signal ?? `code ${code}`}`
          : parseError
      resolve({ figures: runFigures, error, tail: error ? output.slice(-20).join('\n') : '' })
    })
  })
}

function format(x) {
  if (Number.isInteger(x) && Math.abs(x) >= 1000) return String(x)
  return Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3)
}

function round(x) {
  return Math.round(x * 1000) / 1000
}

function seconds(started) {
  return ((performance.now() - started) / 1000).toFixed(1)
}
