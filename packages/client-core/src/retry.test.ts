import { backoffDelay, parseRetryAfter, sleep } from '@nself/client-core'
import { describe, expect, it } from 'vitest'

describe('backoffDelay', () => {
  it('grows exponentially within [ceiling/2, ceiling] and never passes the cap', () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1000 }
    expect(backoffDelay(0, opts, () => 0)).toBe(50)
    expect(backoffDelay(0, opts, () => 1)).toBe(100)
    expect(backoffDelay(3, opts, () => 1)).toBe(800)
    expect(backoffDelay(10, opts, () => 1)).toBe(1000)
    expect(backoffDelay(10, opts, () => 0)).toBe(500)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000)
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })
})

describe('sleep', () => {
  it('rejects with ABORTED as soon as the signal aborts', async () => {
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(), 10)
    await expect(sleep(10_000, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' })
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
