// The published shape: every hook and provider file starts with 'use client', and the build
// keeps that directive on exactly those files (and on both their ESM and CJS outputs), so a
// server component can import a package's React-free core while its hooks stay client-only.
// Reads the built `dist` folders: `npm test` builds the packages first.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const packages = readdirSync(join(root, 'packages')).filter((d) =>
  existsSync(join(root, 'packages', d, 'src')),
)

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return /\.tsx?$/.test(name) && !/\.(test|bench)\.tsx?$/.test(name) ? [path] : []
  })
}

const USE_CLIENT = /^\s*(?:['"]use strict['"];?\s*)?(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/\s*)*['"]use client['"]/
// A runtime (non-type) import of React's client APIs.
const REACT_RUNTIME = /^import\s+(?!type\b)[^;]*from\s+['"]react['"]/m

describe.each(packages)('@nself/%s dist', (pkg) => {
  const src = join(root, 'packages', pkg, 'src')
  const dist = join(root, 'packages', pkg, 'dist')
  const files = sources(src)

  it('is built', () => {
    expect(existsSync(dist), `run the build first: ${dist} is missing`).toBe(true)
  })

  it.each(files.map((f) => relative(src, f)))(
    '%s keeps its directive in .mjs and .cjs, and only it',
    (file) => {
      const source = readFileSync(join(src, file), 'utf8')
      const isClient = USE_CLIENT.test(source)
      if (REACT_RUNTIME.test(source))
        expect(isClient, `${file} uses React at runtime: start it with 'use client'`).toBe(true)
      const base = file.replace(/\.tsx?$/, '')
      for (const ext of ['.mjs', '.cjs']) {
        const out = readFileSync(join(dist, base + ext), 'utf8')
        expect(USE_CLIENT.test(out), `${base}${ext}`).toBe(isClient)
      }
    },
  )
})
