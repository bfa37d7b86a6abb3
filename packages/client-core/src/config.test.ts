import { configureNself, isNselfError, NselfError, resolveBaseUrl } from '@nself/client-core'
import { afterEach, describe, expect, it, vi } from 'vitest'

afterEach(() => {
  vi.unstubAllEnvs()
  configureNself({})
})

describe('resolveBaseUrl', () => {
  it('prefers the explicit URL, then the configured one, then the seeds variable', () => {
    vi.stubEnv('NEXT_PUBLIC_NOTIFICATIONS_URL', 'http://notifications.localhost:3102/')
    expect(resolveBaseUrl('notifications')).toBe('http://notifications.localhost:3102')
    configureNself({ urls: { notifications: 'https://n.example.com' } })
    expect(resolveBaseUrl('notifications')).toBe('https://n.example.com')
    expect(resolveBaseUrl('notifications', 'http://explicit')).toBe('http://explicit')
  })

  it('reads each plugin from its own seeds variable', () => {
    vi.stubEnv('NEXT_PUBLIC_REALTIME_URL', 'http://rt')
    vi.stubEnv('NEXT_PUBLIC_JOBS_URL', 'http://jobs')
    vi.stubEnv('NEXT_PUBLIC_FILE_PROCESSING_URL', 'http://files')
    expect([resolveBaseUrl('realtime'), resolveBaseUrl('jobs'), resolveBaseUrl('files')]).toEqual([
      'http://rt',
      'http://jobs',
      'http://files',
    ])
  })

  it('falls back to the local seed port in development', () => {
    expect(resolveBaseUrl('jobs')).toBe('http://localhost:3105')
    expect(resolveBaseUrl('idme')).toBe('http://localhost:3010')
  })

  it('refuses to guess in production', () => {
    vi.stubEnv('NODE_ENV', 'production')
    let caught: unknown
    try {
      resolveBaseUrl('jobs')
    } catch (error) {
      caught = error
    }
    expect(isNselfError(caught) && caught.code).toBe('NOT_CONFIGURED')
  })
})

describe('NselfError', () => {
  it('is recognised across copies of the SDK by its registered brand, not instanceof', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@nself/error')]: true })
    expect(isNselfError(foreign)).toBe(true)
    expect(isNselfError(Object.assign(new Error('x'), { code: 'NOT_FOUND' }))).toBe(false)
    expect(isNselfError(new NselfError('NOT_FOUND', 'gone'))).toBe(true)
  })

  it('serialises to a plain object with its code', () => {
    const error = new NselfError('RATE_LIMITED', 'slow down', { status: 429 })
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'NselfError',
      code: 'RATE_LIMITED',
      message: 'slow down',
      status: 429,
      retryable: true,
    })
  })
})
