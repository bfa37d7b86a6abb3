// The published shape of every @nself package, checked the way a consumer meets it:
// publint (strict) on the packed tarball, and "are the types wrong" for node16 ESM/CJS and
// bundler resolution. Run after the build (`npm run check` does both).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const failures = []
for (const dir of readdirSync(join(root, 'packages'))) {
  const cwd = join(root, 'packages', dir)
  const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'))
  if (pkg.private) continue
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { cwd, stdio: 'pipe', encoding: 'utf8' })
      console.log(`ok   ${pkg.name}: ${tool}`)
    } catch (error) {
      failures.push(`${pkg.name}: ${tool}`)
      console.log(`FAIL ${pkg.name}: ${tool}\n${error.stdout ?? ''}${error.stderr ?? ''}`)
    }
  }
}
if (failures.length) {
  console.error(`\n${failures.length} package check(s) failed: ${failures.join(', ')}`)
  process.exit(1)
}
