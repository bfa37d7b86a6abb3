// Bundle cost of the client packages and their anchors, as a browser app pays it: esbuild (esm,
// browser, minify, tree-shaking, NODE_ENV=production), then gzip -9 and brotli -11 of the output.
// Everything is bundled fresh on every call; nothing is cached between runs.
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import * as esbuild from 'esbuild'
import {
  ANCHORS,
  COMPARISONS,
  KB,
  NON_BROWSER_SUBPATHS,
  PACKAGES,
  PEERS,
  REACT,
  SHARED_PEERS,
} from './config.mjs'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BENCH_DIR = path.join(ROOT, 'tools/bench')
const gzip = promisify(zlib.gzip)
const brotli = promisify(zlib.brotliCompress)

const ESBUILD_OPTIONS = {
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'browser',
  minify: true,
  treeShaking: true,
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'silent',
}

const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)]

/** Where one of our packages stands: measurable, not written yet, or built output missing. */
export function inspectPackage(short) {
  const dir = path.join(ROOT, 'packages', short)
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
  const base = { short, name: pkg.name, specifiers: [], skippedSubpaths: [] }
  const hasSource = (dist) =>
    ['.ts', '.tsx'].some((ext) =>
      existsSync(path.join(dir, dist.replace(/^\.\/dist\//, 'src/').replace(/\.m?js$/, ext))),
    )
  const subpaths = Object.entries(pkg.exports ?? { '.': pkg.module ?? pkg.main })
    .filter(([sub]) => !NON_BROWSER_SUBPATHS.has(sub))
    .map(([sub, target]) => ({ sub, dist: esmTarget(target) }))
    .filter(({ dist }) => dist && /\.m?js$/.test(dist))
  const root = subpaths.find(({ sub }) => sub === '.')
  if (!root || !hasSource(root.dist)) return { ...base, status: 'not built', reason: 'no src/index.ts yet' }
  const missing = []
  for (const { sub, dist } of subpaths) {
    const specifier = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`
    if (!hasSource(dist)) base.skippedSubpaths.push(sub)
    else if (!existsSync(path.join(dir, dist))) missing.push(`packages/${short}/${dist.slice(2)}`)
    else base.specifiers.push(specifier)
  }
  if (missing.length > 0) {
    return {
      ...base,
      status: 'no dist',
      reason: `${missing.join(', ')} missing: run \`npm run build\` first`,
    }
  }
  return { ...base, status: 'ok' }
}

function esmTarget(target) {
  if (typeof target === 'string') return target
  if (!target || typeof target !== 'object') return undefined
  return esmTarget(target.browser ?? target.import ?? target.default)
}

/** The names each specifier exports, found by bundling `export *` once (no minify) and reading the metafile. */
async function exportedNames(specifier) {
  const result = await esbuild.build({
    ...ESBUILD_OPTIONS,
    minify: false,
    stdin: { contents: `export * from '${specifier}'`, resolveDir: ROOT, loader: 'js' },
    external: SHARED_PEERS,
  })
  return Object.values(result.metafile.outputs)[0]?.exports ?? []
}

/**
 * The entry an app would write to load everything the package offers the browser: named re-exports of
 * each subpath (named, so that equal names from two subpaths cannot cancel out as `export *` would).
 */
async function packageEntry(specifiers) {
  const seen = new Set()
  const lines = []
  for (const specifier of specifiers) {
    const names = await exportedNames(specifier)
    if (names.length === 0) {
      lines.push(`import '${specifier}'`)
      continue
    }
    const parts = names.map((name) => {
      if (!seen.has(name)) {
        seen.add(name)
        return name
      }
      let alias = `${name}$${seen.size}`
      while (seen.has(alias)) alias += '_'
      seen.add(alias)
      return `${name} as ${alias}`
    })
    lines.push(`export { ${parts.join(', ')} } from '${specifier}'`)
  }
  return lines.join('\n')
}

async function bundle(input, external) {
  const result = await esbuild.build({ ...ESBUILD_OPTIONS, ...input, external })
  const code = result.outputFiles[0].contents
  const [gz, br] = await Promise.all([
    gzip(code, { level: 9 }),
    brotli(code, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: code.length,
      },
    }),
  ])
  const output = Object.values(result.metafile.outputs)[0]
  const inputs = Object.entries(output?.inputs ?? {})
    .map(([file, { bytesInOutput }]) => ({ file, bytes: bytesInOutput }))
    .filter(({ bytes }) => bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
  return { bytes: code.length, gzip: gz.length, brotli: br.length, inputs }
}

/** esbuild's first error as one line, e.g. `Could not resolve "node:http2" (from @s2-dev/streamstore/...)`. */
function firstError(error) {
  const first = error?.errors?.[0]
  if (!first) return String(error?.message ?? error).split('\n')[0]
  const file = first.location?.file?.replace(/^.*node_modules\//, '')
  const unresolved = /^Could not resolve "([^"]+)"/.exec(first.text)
  if (unresolved && file) {
    const from = file.startsWith('@') ? file.split('/').slice(0, 2).join('/') : file.split('/')[0]
    return `needs ${unresolved[1]} (imported by ${from})`
  }
  return file ? `${first.text} (in ${file})` : first.text
}

/** Bundles an anchor or peer entry file; a failure becomes `n/a` with its reason instead of a crash. */
async function measureEntryFile(kind, item) {
  const file = path.join(BENCH_DIR, kind, `${item.id}.mjs`)
  const input = { entryPoints: [file] }
  try {
    return { ...item, status: 'ok', ...(await bundle(input, REACT)) }
  } catch (error) {
    const reason = firstError(error)
    const first = error?.errors?.[0]
    const notInstalled = /^Could not resolve "([^"]+)"/.exec(first?.text ?? '')
    if (notInstalled && first.location?.file?.includes(`tools/bench/${kind}/`)) {
      return { ...item, status: 'n/a', reason: `not installed: ${notInstalled[1]}` }
    }
    if (!/built into node/.test(JSON.stringify(first?.notes ?? []))) {
      return { ...item, status: 'n/a', reason }
    }
    // Needs a Node builtin: say so, and give what the rest weighs as a lower bound.
    try {
      const lower = await bundle(input, [...REACT, ...NODE_BUILTINS])
      return { ...item, status: 'n/a', reason, lowerBound: true, ...lower }
    } catch {
      return { ...item, status: 'n/a', reason }
    }
  }
}

async function measurePackage(info) {
  if (info.status !== 'ok') return info
  const contents = await packageEntry(info.specifiers)
  const stdin = { contents, resolveDir: ROOT, sourcefile: `size-entry/${info.short}.mjs`, loader: 'js' }
  const [own, withPeers] = await Promise.all([bundle({ stdin }, SHARED_PEERS), bundle({ stdin }, REACT)])
  return { ...info, entry: contents, own, withPeers }
}

async function pool(tasks, size) {
  const results = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await tasks[index]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(size, tasks.length) }, worker))
  return results
}

/**
 * Measures what `need` names (`pkg:<short>`, `anchor:<id>`, `peer:<id>`; everything when omitted).
 * Returns every package's status even when not measured, so callers can say why a figure is absent.
 */
export async function measureSize({ need } = {}) {
  const wanted = (key) => !need || need.has(key)
  const infos = PACKAGES.map((short) => inspectPackage(short))
  const tasks = [
    ...infos.map((info) => () => (wanted(`pkg:${info.short}`) ? measurePackage(info) : info)),
    ...ANCHORS.map((a) => () => (wanted(`anchor:${a.id}`) ? measureEntryFile('anchors', a) : undefined)),
    ...PEERS.map((p) => () => (wanted(`peer:${p.id}`) ? measureEntryFile('peers', p) : undefined)),
  ]
  const results = await pool(tasks, 3)
  const packages = results.slice(0, infos.length)
  const anchors = results.slice(infos.length, infos.length + ANCHORS.length).filter(Boolean)
  const peers = results.slice(infos.length + ANCHORS.length).filter(Boolean)
  for (const p of packages) p.measured = wanted(`pkg:${p.short}`)
  return { kb: KB, packages, anchors, peers }
}

export const toKB = (bytes) => Math.round((bytes / KB) * 100) / 100

/** Every figure id the size benchmark can produce, with the measurements it needs. */
export function sizeCatalog() {
  const entries = []
  for (const short of PACKAGES) {
    const need = [`pkg:${short}`]
    for (const suffix of ['gzip', 'brotli', 'with_peers.gzip', 'with_peers.brotli']) {
      entries.push({ id: `size.${short}.${suffix}`, need })
    }
    for (const anchor of COMPARISONS[short] ?? []) {
      entries.push({ id: `size.${short}.vs.${anchor}.gzip`, need: [...need, `anchor:${anchor}`] })
    }
  }
  for (const { id } of ANCHORS) {
    for (const c of ['gzip', 'brotli']) entries.push({ id: `size.anchor.${id}.${c}`, need: [`anchor:${id}`] })
  }
  for (const { id } of PEERS) {
    for (const c of ['gzip', 'brotli']) entries.push({ id: `size.peer.${id}.${c}`, need: [`peer:${id}`] })
  }
  return entries
}

/**
 * The size measurement as benchmark figures (`{ id, value, unit, baseline?, ratio?, better?, note? }`),
 * limited to ids containing `filter`. Ratios are anchor / ours, so above 1 means we are smaller.
 */
export async function sizeFigures({ filter } = {}) {
  const selected = sizeCatalog().filter(({ id }) => !filter || id.includes(filter))
  if (selected.length === 0) return { figures: [], failures: [], skipped: [] }
  const need = new Set(selected.flatMap((e) => e.need))
  const report = await measureSize({ need })
  const ids = new Set(selected.map((e) => e.id))
  const figures = []
  const failures = []
  const skipped = []
  const push = (figure) => {
    if (ids.has(figure.id)) figures.push({ unit: 'KB', better: 'lower', ...figure })
  }
  const anchors = new Map(report.anchors.map((a) => [a.id, a]))
  for (const p of report.packages.filter((p) => p.measured)) {
    if (p.status === 'not built') {
      skipped.push(`size.${p.short}.* (${p.name} not built: ${p.reason})`)
      continue
    }
    if (p.status !== 'ok') {
      failures.push({ name: `size.${p.short}`, message: `${p.name}: ${p.reason}` })
      continue
    }
    push({ id: `size.${p.short}.gzip`, value: toKB(p.own.gzip) })
    push({ id: `size.${p.short}.brotli`, value: toKB(p.own.brotli) })
    push({ id: `size.${p.short}.with_peers.gzip`, value: toKB(p.withPeers.gzip) })
    push({ id: `size.${p.short}.with_peers.brotli`, value: toKB(p.withPeers.brotli) })
    for (const id of COMPARISONS[p.short] ?? []) {
      const a = anchors.get(id)
      if (!a || a.gzip === undefined) {
        if (a && ids.has(`size.${p.short}.vs.${id}.gzip`))
          skipped.push(`size.${p.short}.vs.${id}.gzip (${a.reason})`)
        continue
      }
      push({
        id: `size.${p.short}.vs.${id}.gzip`,
        value: toKB(p.withPeers.gzip),
        baseline: toKB(a.gzip),
        ratio: round(a.gzip / p.withPeers.gzip),
        ...(a.lowerBound ? { note: `${a.label}: lower bound, ${a.reason}` } : {}),
      })
    }
  }
  for (const a of report.anchors) {
    if (a.gzip === undefined) {
      if (ids.has(`size.anchor.${a.id}.gzip`)) skipped.push(`size.anchor.${a.id}.* (n/a: ${a.reason})`)
      continue
    }
    const note = a.lowerBound ? { note: `lower bound (Node builtins left out): ${a.reason}` } : {}
    push({ id: `size.anchor.${a.id}.gzip`, value: toKB(a.gzip), ...note })
    push({ id: `size.anchor.${a.id}.brotli`, value: toKB(a.brotli), ...note })
  }
  for (const p of report.peers) {
    if (p.gzip === undefined) {
      failures.push({ name: `size.peer.${p.id}`, message: p.reason })
      continue
    }
    push({ id: `size.peer.${p.id}.gzip`, value: toKB(p.gzip) })
    push({ id: `size.peer.${p.id}.brotli`, value: toKB(p.brotli) })
  }
  return { figures, failures, skipped }
}

const round = (x) => Math.round(x * 100) / 100

/** Budgets from size-budgets.json at the root: `{ "@nself/x": { ownGzipKB, withPeersGzipKB? } }`. */
export function readBudgets() {
  const json = JSON.parse(readFileSync(path.join(ROOT, 'size-budgets.json'), 'utf8'))
  return Object.fromEntries(Object.entries(json).filter(([key]) => !key.startsWith('$')))
}

/** One message per figure over its budget. */
export function overBudget(pkg, budget) {
  if (!budget || pkg.status !== 'ok') return []
  const over = []
  const check = (label, bytes, limitKB) => {
    if (limitKB !== undefined && bytes > limitKB * KB) {
      over.push(`${pkg.name}: ${label} ${toKB(bytes)} KB > budget ${limitKB} KB`)
    }
  }
  check('own gzip', pkg.own.gzip, budget.ownGzipKB)
  check('with peers gzip', pkg.withPeers.gzip, budget.withPeersGzipKB)
  return over
}
