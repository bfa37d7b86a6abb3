import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { SummaryReporter } from './scripts/vitest/summary-reporter.ts'

// Tests run against the packages' sources, not their builds: every `@nself/x[/sub]` import
// resolves to `packages/x/src/<sub>.ts` (or `react/index.ts`) through the package's exports.
const root = fileURLToPath(new URL('.', import.meta.url))
const alias = readdirSync(`${root}packages`).flatMap((dir) => {
  const pkg = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8'))
  return Object.entries(pkg.exports as Record<string, { import?: { default: string } } | string>)
    .filter(([, v]) => typeof v !== 'string')
    .map(([sub, v]) => {
      const out = (v as { import: { default: string } }).import.default
      const src = out.replace('./dist/', 'src/').replace(/\.mjs$/, '.ts')
      const name = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`
      return {
        find: new RegExp(`^${name.replace('/', '\\/')}$`),
        replacement: `${root}packages/${dir}/${src}`,
      }
    })
})

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', new SummaryReporter()],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['packages/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'dom',
          environment: 'jsdom',
          include: ['packages/*/src/**/*.test.tsx'],
          testTimeout: 20_000,
        },
      },
    ],
  },
})
