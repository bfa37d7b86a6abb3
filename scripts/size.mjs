// Bundle size of each client package as a browser app pays it, next to the anchors DESIGN.md
// compares it with. `node scripts/size.mjs [--gate] [--json] [--why]`
//   --gate  exit 1 naming every package over its budget in size-budgets.json (npm run check)
//   --json  print the figures as JSON instead of the table
//   --why   also list the biggest inputs of each package's bundles (from esbuild's metafile)
// Measures the built dist through each package's exports map: run `npm run build` first.
import path from 'node:path'
import { COMPARISONS, KB } from './size/config.mjs'
import { measureSize, overBudget, ROOT, readBudgets, toKB } from './size/measure.mjs'
import { renderTable } from './size/table.mjs'

const args = new Set(process.argv.slice(2))
const unknown = [...args].filter((a) => !['--gate', '--json', '--why'].includes(a))
if (unknown.length > 0) {
  console.error(`size: unknown option ${unknown.join(' ')} (use --gate, --json, --why)`)
  process.exit(2)
}

const started = performance.now()
const budgets = readBudgets()
const report = await measureSize()
const seconds = ((performance.now() - started) / 1000).toFixed(1)

const unbuilt = report.packages.filter((p) => p.status === 'no dist')
const over = report.packages.flatMap((p) => overBudget(p, budgets[p.name]))
const unknownBudgets = Object.keys(budgets).filter((name) => !report.packages.some((p) => p.name === name))
const anchors = new Map(report.anchors.map((a) => [a.id, a]))
const kb = (bytes) => (bytes === undefined ? '' : toKB(bytes).toFixed(2))
const ratio = (anchor, ours) => (anchor && ours ? `${(anchor / ours).toFixed(1)}×` : '')

if (args.has('--json')) {
  const strip = ({ inputs, ...m } = {}) => (args.has('--why') ? { ...m, inputs } : m)
  const pick = (a) => ({
    id: a.id,
    label: a.label,
    status: a.status,
    ...(a.reason ? { reason: a.reason } : {}),
    ...(a.lowerBound ? { lowerBound: true } : {}),
    ...(a.gzip === undefined ? {} : { bytes: a.bytes, gzip: a.gzip, brotli: a.brotli }),
    designGzipKB: a.design,
  })
  const json = {
    unit: { KB, sizes: 'bytes' },
    packages: report.packages.map((p) => ({
      name: p.name,
      status: p.status,
      ...(p.reason ? { reason: p.reason } : {}),
      ...(p.status === 'ok'
        ? { specifiers: p.specifiers, own: strip(p.own), withPeers: strip(p.withPeers) }
        : {}),
      budget: budgets[p.name] ?? null,
      comparisons: (COMPARISONS[p.short] ?? []).map((id) => {
        const a = anchors.get(id)
        return {
          anchor: id,
          ratio: a?.gzip && p.withPeers ? Math.round((a.gzip / p.withPeers.gzip) * 100) / 100 : null,
          ...(a?.lowerBound ? { anchorLowerBound: true } : {}),
        }
      }),
    })),
    anchors: report.anchors.map(pick),
    peers: report.peers.map(pick),
    overBudget: over,
  }
  console.log(JSON.stringify(json, null, 2))
} else {
  const rows = []
  for (const p of report.packages) {
    const budget = budgets[p.name]
    const status =
      p.status === 'ok'
        ? overBudget(p, budget).length > 0
          ? 'OVER BUDGET'
          : budget
            ? 'ok'
            : 'ok (no budget)'
        : `${p.status}: ${p.reason}`
    rows.push([
      p.name,
      kb(p.own?.gzip),
      kb(p.own?.brotli),
      kb(p.withPeers?.gzip),
      kb(p.withPeers?.brotli),
      budget ? `${budget.ownGzipKB ?? '–'} / ${budget.withPeersGzipKB ?? '–'}` : '',
      '',
      status,
    ])
    for (const id of COMPARISONS[p.short] ?? []) {
      const a = anchors.get(id)
      const bound = a.lowerBound ? '≥' : ''
      rows.push([
        `  vs ${a.label}`,
        '',
        '',
        a.gzip === undefined ? 'n/a' : bound + kb(a.gzip),
        a.gzip === undefined ? 'n/a' : bound + kb(a.brotli),
        '',
        a.gzip === undefined || !p.withPeers ? '' : bound + ratio(a.gzip, p.withPeers.gzip),
        anchorNote(a),
      ])
    }
  }
  rows.push(['shared peers alone', '', '', '', '', '', '', ''])
  for (const peer of report.peers) {
    rows.push([`  ${peer.label}`, '', '', kb(peer.gzip), kb(peer.brotli), '', '', anchorNote(peer)])
  }
  const headers = [
    `package (KB = ${KB} B)`,
    'own gz',
    'own br',
    '+peers gz',
    '+peers br',
    'budget own/peers gz',
    'anchor/ours',
    'status',
  ]
  console.log(
    'Bundle size: esbuild esm, platform browser, minified, NODE_ENV=production, tree-shaken; gzip -9 and brotli -11.\n' +
      'own = react, react-dom, socket.io-client, tus-js-client, @tanstack/react-query, zod external (client-core and\n' +
      'contracts counted in); +peers = only react and react-dom external; anchors bundle their own dependencies.\n' +
      'anchor/ours = anchor gzip / our +peers gzip (above 1: we are smaller).\n',
  )
  console.log(renderTable(headers, rows, { right: [1, 2, 3, 4, 6] }))
  console.log(
    `\nmeasured in ${seconds} s; budgets from ${path.relative(process.cwd(), path.join(ROOT, 'size-budgets.json'))}`,
  )
  if (args.has('--why')) printWhy()
}

function anchorNote(a) {
  const design = a.design === undefined ? '' : `DESIGN.md ${a.design.toFixed(1)}`
  if (a.status === 'ok') return design
  if (a.lowerBound) return `n/a: ${a.reason}; ≥ = without Node builtins; ${design}`
  return `n/a: ${a.reason}`
}

function printWhy() {
  for (const p of report.packages.filter((p) => p.status === 'ok')) {
    for (const [label, m] of [
      ['own', p.own],
      ['+peers', p.withPeers],
    ]) {
      console.log(`\n${p.name} ${label}: ${m.bytes} B minified, biggest inputs:`)
      for (const { file, bytes } of m.inputs.slice(0, 8))
        console.log(`  ${String(bytes).padStart(8)}  ${file}`)
    }
  }
}

for (const name of unknownBudgets)
  console.error(`size: size-budgets.json names ${name}, which is not measured`)
let failed = false
for (const p of unbuilt) {
  console.error(`size: ${p.name}: ${p.reason}`)
  failed = true
}
if (args.has('--gate')) {
  const notBuilt = report.packages.filter((p) => p.status === 'not built').map((p) => p.name)
  if (over.length > 0) {
    console.error(`\nsize gate FAILED, ${over.length} over budget (size-budgets.json):`)
    for (const line of over) console.error(`  ${line}`)
    failed = true
  } else {
    const skipped = notBuilt.length > 0 ? ` (not built yet, skipped: ${notBuilt.join(', ')})` : ''
    console.error(`\nsize gate: every measured package is within its budget${skipped}`)
  }
}
if (failed) process.exit(1)
