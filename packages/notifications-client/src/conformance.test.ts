import { createNotificationsServer, type NotificationsServer, signDevToken } from '@nself/server-stubs'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NOTIFICATIONS_CASES, runCase } from '../../../conformance/cases'
import { createNotificationsMock } from './testing'

// The same contract cases against the reference server and against the msw handlers, so the
// handlers an app tests with behave as the server does.
describe('conformance: the notifications cases against the stub and the msw handlers', () => {
  const SECRET = 'conformance-secret'
  const MSW_URL = 'http://notifications.msw.test'
  let stub: NotificationsServer
  const msw = setupServer(...createNotificationsMock({ baseUrl: MSW_URL }).handlers)

  beforeAll(async () => {
    stub = await createNotificationsServer({ port: 0, jwtSecret: SECRET, logger: false, env: {} })
    // Requests to the stub pass through; anything else unhandled is an error.
    msw.listen({
      onUnhandledRequest: (request, print) => {
        if (!request.url.startsWith(stub.url)) print.error()
      },
    })
  })
  afterAll(async () => {
    msw.close()
    await stub.close()
  })

  for (const testCase of NOTIFICATIONS_CASES) {
    it(`stub: ${testCase.name}`, async () => {
      const result = await runCase(testCase, {
        urls: { notifications: stub.url },
        sign: (claims) => signDevToken(claims, SECRET),
      })
      expect(result.reason).toBeUndefined()
    })
    it(`msw: ${testCase.name}`, async () => {
      // The handlers do not verify signatures; any secret makes a well-formed JWT.
      const result = await runCase(testCase, {
        urls: { notifications: MSW_URL },
        sign: (claims) => signDevToken(claims, 'msw'),
      })
      expect(result.reason).toBeUndefined()
    })
  }
})
