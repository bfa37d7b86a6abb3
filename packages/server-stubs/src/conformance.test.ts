import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONFORMANCE_CASES, type ConformanceTarget, runCase } from '../../../conformance/cases'
import { signDevToken } from './index'
import { startTestStubs, type TestStubs } from './testing'

// The same cases `npm run conformance` runs against any deployment, here against in-process stubs.
describe('conformance against the reference servers', () => {
  let stubs: TestStubs
  const target: ConformanceTarget = { urls: {} }

  beforeAll(async () => {
    stubs = await startTestStubs()
    target.urls = stubs.urls
    target.sign = (claims) => signDevToken(claims, stubs.secret)
  })
  afterAll(() => stubs.close())

  it('has cases for every plugin', () => {
    expect(new Set(CONFORMANCE_CASES.map((c) => c.plugin))).toEqual(
      new Set(['realtime', 'notifications', 'jobs', 'files', 'idme']),
    )
  })

  for (const testCase of CONFORMANCE_CASES) {
    it(testCase.name, async () => {
      const result = await runCase(testCase, target)
      expect(result.reason).toBeUndefined()
      expect(result.status).toBe('passed')
    })
  }

  it('a case fails (not throws) against a server that breaks the contract', async () => {
    const healthCase = CONFORMANCE_CASES.find((c) => c.plugin === 'jobs')
    if (!healthCase) throw new Error('no jobs case')
    // The realtime server's health is not the jobs shape.
    const result = await runCase(healthCase, { urls: { jobs: stubs.urls.realtime } })
    expect(result.status).toBe('failed')
    expect(result.reason).toMatch(/does not match the jobs health schema/)
  })
})
