import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { JobsHealthSchema } from '@nself/contracts/jobs'
import { describe, expect, it } from 'vitest'
import { DEV_JWT_SECRET, verifyToken } from '../index'
import { runCli, USAGE } from './run-cli'

function capture(env: Record<string, string | undefined> = {}) {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    io: {
      env,
      stdout: (t: string) => {
        out.stdout += t
      },
      stderr: (t: string) => {
        out.stderr += t
      },
    },
  }
}

describe('nself-stubs token', () => {
  it('prints one token, signed with NSELF_JWT_SECRET, with the given claims', async () => {
    const { out, io } = capture({ NSELF_JWT_SECRET: 'cli-secret' })
    const status = await runCli(
      ['token', '--user', 'alice', '--session', 's1', '--role', 'service', '--expires', '2h'],
      io,
    )
    expect(status).toBe(0)
    expect(out.stderr).toBe('')
    expect(out.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    const claims = await verifyToken(out.stdout.trim(), 'cli-secret')
    expect(claims).toMatchObject({ userId: 'alice', sessionId: 's1', role: 'service' })
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(7200)
    await expect(verifyToken(out.stdout.trim(), DEV_JWT_SECRET)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    })
  })

  it('--plugin resolves that plugin’s own secret first; --secret overrides', async () => {
    const env = { REALTIME_JWT_SECRET: 'rt-secret', NSELF_JWT_SECRET: 'shared' }
    const a = capture(env)
    expect(await runCli(['token', '-u', 'bob', '--plugin', 'realtime'], a.io)).toBe(0)
    expect((await verifyToken(a.out.stdout.trim(), 'rt-secret')).userId).toBe('bob')
    const b = capture(env)
    expect(await runCli(['token', '-u', 'bob', '--secret', 'explicit'], b.io)).toBe(0)
    expect((await verifyToken(b.out.stdout.trim(), 'explicit')).userId).toBe('bob')
  })

  it('without a secret: the development default, and a warning on stderr', async () => {
    const { out, io } = capture({})
    expect(await runCli(['token', '--user', 'carol', '--expires', 'never'], io)).toBe(0)
    expect(out.stderr).toMatch(/forge/i)
    const claims = await verifyToken(out.stdout.trim(), DEV_JWT_SECRET)
    expect(claims.userId).toBe('carol')
    expect(claims.exp).toBeUndefined()
  })

  it('usage errors exit 2 with a message', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['token'], /--user/],
      [['token', '--user', 'a', '--expires', 'soon'], /invalid duration/],
      [['token', '--user', 'a', '--bogus'], /bogus/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['start', '--only', 'chat'], /unknown plugin "chat"/],
      [['--port', 'realtime:3000'], /<plugin>=<port>/],
      [['--only', 'jobs', '--port', 'realtime=3000'], /realtime is not started/],
    ]
    for (const [argv, message] of cases) {
      const { out, io } = capture()
      expect(await runCli(argv, io)).toBe(2)
      expect(out.stderr).toMatch(message)
      expect(out.stdout).toBe('')
    }
  })

  it('--help prints the usage', async () => {
    for (const argv of [['--help'], ['token', '--help'], ['-h'], ['help']]) {
      const { out, io } = capture()
      expect(await runCli(argv, io)).toBe(0)
      expect(out.stdout).toBe(USAGE)
    }
    expect(USAGE).toContain('nself-stubs token --user <id>')
  })
})

describe('nself-stubs start', () => {
  it('starts the chosen plugins, prints their URLs, and stops on abort', async () => {
    const { out, io } = capture({ NSELF_JWT_SECRET: 'x' })
    const stop = new AbortController()
    let urls: Record<string, string | undefined> = {}
    const done = runCli(['start', '--only', 'jobs,file-processing', '--port', 'jobs=0,files=0', '--quiet'], {
      ...io,
      signal: stop.signal,
      onListening: (u) => {
        urls = u
      },
    })
    const deadline = Date.now() + 5_000
    while (!urls.jobs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(Object.keys(urls).sort()).toEqual(['files', 'jobs'])
    expect(out.stdout).toContain(`jobs   ${urls.jobs}   health: ${urls.jobs}/health`)
    expect(out.stdout).toContain(`files  ${urls.files}   health: ${urls.files}/health`)
    expect(out.stdout).not.toMatch(/forge/i)
    expect(JobsHealthSchema.parse(await (await fetch(`${urls.jobs}/health`)).json())).toEqual({
      status: 'ok',
    })
    stop.abort()
    expect(await done).toBe(0)
    await expect(fetch(`${urls.jobs}/health`)).rejects.toThrow()
  })

  it('as a process: prints URLs, serves, and exits 0 on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../cli.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, '--only', 'realtime', '--port', 'realtime=0', '--quiet'],
      {
        env: { ...process.env, NSELF_JWT_SECRET: 'proc-secret', REALTIME_JWT_SECRET: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString()
        const match = /realtime\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
        if (match?.[1]) resolve(match[1])
      })
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
    })
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string }
    expect(health.status).toBe('healthy')
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
    expect(stdout).toContain('nself-stubs: stopping')
  })

  it('as a process: `token` prints a token the servers accept', async () => {
    const cli = fileURLToPath(new URL('../cli.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, 'token', '--user', 'dana', '--role', 'service'],
      {
        env: { ...process.env, NSELF_JWT_SECRET: 'proc-secret' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(0)
    expect(await verifyToken(stdout.trim(), 'proc-secret')).toMatchObject({ userId: 'dana', role: 'service' })
  })
})
