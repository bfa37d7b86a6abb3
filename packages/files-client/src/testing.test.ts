import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONFORMANCE_CASES, type ConformanceTarget, runCase } from '../../../conformance/cases'
import { createFilesHandlers } from './testing'

// The same cases `npm run conformance` runs against the stub and real deployments, here
// against the msw fake, so apps' tests meet the wire the plugin speaks.
describe('the msw fake passes the files conformance cases', () => {
  const url = 'http://files.test'
  const fake = createFilesHandlers({ baseUrl: url })
  const server = setupServer(...fake.handlers)
  // The fake reads `userId` without checking signatures.
  const target: ConformanceTarget = {
    urls: { files: url },
    sign: (claims) => `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.x`,
  }
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterAll(() => server.close())

  const cases = CONFORMANCE_CASES.filter((c) => c.plugin === 'files')
  it('has the files cases', () => expect(cases.length).toBeGreaterThan(5))
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const result = await runCase(testCase, target)
      expect(result.reason).toBeUndefined()
      expect(result.status).toBe('passed')
    })
  }
})
