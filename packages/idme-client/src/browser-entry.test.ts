// The browser part (the package root) must not pull in server code, Node built-ins or, in a
// production build, zod: bundle it as an app would and read what went in.
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { describe, expect, it } from 'vitest'

const entry = fileURLToPath(new URL('./index.ts', import.meta.url))

async function inputsOf(nodeEnv: string): Promise<string[]> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['@nself/source'],
    external: ['react', 'react-dom'],
    define: { 'process.env.NODE_ENV': JSON.stringify(nodeEnv) },
    metafile: true,
    minify: true,
    logLevel: 'silent',
  })
  const output = Object.values(result.metafile.outputs)[0]
  return Object.entries(output?.inputs ?? {})
    .filter(([, i]) => i.bytesInOutput > 0)
    .map(([file]) => file)
}

describe('@nself/idme-client root entry (browser part)', () => {
  it('bundles for the browser without ./server, ./testing or Node built-ins', async () => {
    const inputs = await inputsOf('production')
    expect(inputs.some((f) => f.includes('idme-client/src/verification.ts'))).toBe(true)
    expect(inputs.filter((f) => /idme-client\/src\/(server\/|testing|idme-client\.ts|pkce)/.test(f))).toEqual(
      [],
    )
    expect(inputs.filter((f) => f.startsWith('node:') || f.includes('server-stubs'))).toEqual([])
  })

  it('ships no zod in production (validation is development-only)', async () => {
    expect((await inputsOf('production')).filter((f) => f.includes('node_modules/zod'))).toEqual([])
    expect((await inputsOf('development')).some((f) => f.includes('node_modules/zod'))).toBe(true)
  })
})
