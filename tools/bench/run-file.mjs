// Runs one benchmark file in its own process for scripts/bench.mjs and prints its figures on stdout
// as `BENCH {json}` lines (protocol: tools/bench/README.md). `.ts` files run under `node --import tsx`.
// A file may print BENCH lines itself at top level, export `benchmarks` ([{ id, run }]), or export a
// default function; the harness handles all three, then exits so that a forgotten handle cannot hang the run.
import { pathToFileURL } from 'node:url'

const file = process.argv[2]
const filter = process.env.BENCH_FILTER ?? ''
const matches = (id) => !filter || id.includes(filter)
const report = (result, fallbackId) => {
  if (result === undefined || result === null) return
  for (const figure of [result].flat()) {
    const withId =
      figure && typeof figure === 'object' && figure.id === undefined ? { id: fallbackId, ...figure } : figure
    process.stdout.write(`BENCH ${JSON.stringify(withId)}\n`)
  }
}

const mod = await import(pathToFileURL(file).href)
if (Array.isArray(mod.benchmarks)) {
  for (const bench of mod.benchmarks) {
    if (!matches(bench.id)) continue
    report(await bench.run({ filter, matches, report: (r) => report(r, bench.id) }), bench.id)
  }
}
if (typeof mod.default === 'function') {
  report(await mod.default({ filter, matches, report: (r) => report(r) }))
}
process.exit(0)
