// Emits one declaration file per source file, next to the unbundled JS that tsup writes:
// `x.d.mts` beside `x.mjs` and `x.d.cts` beside `x.cjs`, with relative specifiers pointing
// at the matching extension, so both module systems resolve their own types (attw checks it).
// Runs in the package's directory: `node ../../scripts/emit-dts.mjs`.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const cwd = process.cwd()
const configPath = ts.findConfigFile(cwd, ts.sys.fileExists, 'tsconfig.json')
const { config } = ts.readConfigFile(configPath, ts.sys.readFile)
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, cwd)
const isTest = (f) => /\.(test|bench)\.tsx?$/.test(f) || f.includes('/__tests__/')
const rootNames = parsed.fileNames.filter((f) => !isTest(f))
const options = {
  ...parsed.options,
  noEmit: false,
  declaration: true,
  emitDeclarationOnly: true,
  // Sibling packages resolve to their built declarations here, not their sources.
  customConditions: [],
  declarationMap: false,
  rootDir: path.join(cwd, 'src'),
  outDir: path.join(cwd, 'dist'),
}
const program = ts.createProgram(rootNames, options)
const diagnostics = ts.getPreEmitDiagnostics(program)
if (diagnostics.length) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => cwd, getNewLine: () => '\n' }
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host))
  process.exit(1)
}
const rewrite = (text, ext) =>
  text.replace(
    /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+?)(?:\.js)?\2/g,
    (_m, pre, q, spec) => `${pre}${q}${spec}${ext}${q}`,
  )
let count = 0
program.emit(undefined, (fileName, text) => {
  if (!fileName.endsWith('.d.ts')) return
  const base = fileName.slice(0, -'.d.ts'.length)
  fs.mkdirSync(path.dirname(fileName), { recursive: true })
  fs.writeFileSync(`${base}.d.mts`, rewrite(text, '.mjs'))
  fs.writeFileSync(`${base}.d.cts`, rewrite(text, '.cjs'))
  count++
})
console.log(`dts: ${count} files → .d.mts + .d.cts`)
