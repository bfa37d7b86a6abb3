import { describe, expect, it } from 'vitest'
import { verifyToken } from './index'
import { startTestStubs, TEST_JWT_SECRET } from './testing'

describe('startTestStubs', () => {
  it('starts only the chosen plugins on free ports, with tokens they accept', async () => {
    const stubs = await startTestStubs(['jobs', 'idme'])
    try {
      expect(Object.keys(stubs.urls).sort()).toEqual(['idme', 'jobs'])
      expect(stubs.secret).toBe(TEST_JWT_SECRET)
      const token = stubs.token('alice', { role: 'service', sessionId: 's1' })
      expect(await verifyToken(token, TEST_JWT_SECRET)).toMatchObject({
        userId: 'alice',
        role: 'service',
        sessionId: 's1',
      })
      const ok = await fetch(`${stubs.urls.jobs}/metrics`, { headers: { authorization: `Bearer ${token}` } })
      expect(ok.status).toBe(200)
      const expired = await fetch(`${stubs.urls.idme}/metrics`, {
        headers: { authorization: `Bearer ${stubs.token('alice', { expiresIn: -1 })}` },
      })
      expect(expired.status).toBe(401)
      expect(await expired.json()).toEqual({ error: 'Token expired', code: 'TOKEN_EXPIRED' })
    } finally {
      await stubs.close()
    }
    await expect(fetch(`${stubs.urls.jobs}/health`)).rejects.toThrow()
  })

  it('ignores the caller environment (REALTIME_ALLOW_ANONYMOUS cannot leak in)', async () => {
    const previous = process.env.REALTIME_ALLOW_ANONYMOUS
    process.env.REALTIME_ALLOW_ANONYMOUS = 'true'
    const stubs = await startTestStubs(['realtime'])
    try {
      const { io } = await import('socket.io-client')
      const socket = io(stubs.urls.realtime, {
        reconnection: false,
        forceNew: true,
        transports: ['websocket'],
      })
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve))
      socket.close()
      expect(error.message).toBe('Authentication required')
    } finally {
      if (previous === undefined) delete process.env.REALTIME_ALLOW_ANONYMOUS
      else process.env.REALTIME_ALLOW_ANONYMOUS = previous
      await stubs.close()
    }
  })
})
