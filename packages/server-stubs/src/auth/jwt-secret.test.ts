import { describe, expect, it } from 'vitest'
import { createIdmeServer, createJobsServer, DEV_JWT_SECRET, type LogRecord, signDevToken } from '../index'

// Own file: the warning is once per process (module state), and vitest isolates files.
describe('the development default secret', () => {
  it('is used without configuration, with one loud warning that tokens are forgeable', async () => {
    const warnings: LogRecord[] = []
    const logger = { info() {}, error() {}, warn: (r: LogRecord) => warnings.push(r) }
    const jobs = await createJobsServer({ port: 0, env: {}, logger })
    const idme = await createIdmeServer({ port: 0, env: {}, logger })
    try {
      // One JWT warning for the process, however many servers start (idme warns of its own
      // development OAuth client separately).
      const secretWarnings = warnings.filter((w) => w.security === 'forgeable-tokens')
      expect(secretWarnings).toHaveLength(1)
      expect(secretWarnings[0]?.msg).toMatch(/forge/i)
      expect(secretWarnings[0]?.msg).toContain('NSELF_JWT_SECRET')
      const token = signDevToken({ userId: 'alice' }, DEV_JWT_SECRET)
      const res = await fetch(`${jobs.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(200)
    } finally {
      await Promise.all([jobs.close(), idme.close()])
    }
  })

  it('is refused under NODE_ENV=production', async () => {
    await expect(
      createJobsServer({ port: 0, env: { NODE_ENV: 'production' }, logger: false }),
    ).rejects.toThrow(/JOBS_JWT_SECRET or NSELF_JWT_SECRET/)
  })
})
