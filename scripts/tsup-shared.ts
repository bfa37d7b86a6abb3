import type { Options } from 'tsup'

/**
 * One build for every publishable package: each source file becomes its own output file
 * (ESM `.mjs` and CJS `.cjs`), so a file's `'use client'` directive stays on that file and
 * only on it, and a server component can import the React-free core from the same package.
 * Types are emitted the same way, one `.d.mts` / `.d.cts` per file, by `scripts/emit-dts.mjs`.
 */
export function sdkBuild(extra: Partial<Options> = {}): Options {
  return {
    entry: ['src/**/*.ts', 'src/**/*.tsx', '!src/**/*.test.ts', '!src/**/*.test.tsx', '!src/**/*.bench.ts'],
    format: ['esm', 'cjs'],
    outDir: 'dist',
    bundle: true,
    splitting: false,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: false,
    dts: false,
    outExtension: ({ format }) =>
      format === 'cjs' ? { js: '.cjs', dts: '.d.cts' } : { js: '.mjs', dts: '.d.mts' },
    esbuildPlugins: [
      {
        name: 'nself-unbundled',
        setup(build) {
          const ext = build.initialOptions.format === 'cjs' ? '.cjs' : '.mjs'
          build.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined
            if (args.path.startsWith('.')) {
              // Sources import sibling files without an extension; point at the built file.
              return { path: args.path.replace(/\.(tsx?|jsx?)$/, '') + ext, external: true }
            }
            return { path: args.path, external: true }
          })
        },
      },
    ],
    ...extra,
  }
}
