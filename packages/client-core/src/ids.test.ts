import { randomId } from '@nself/client-core'
import { afterEach, describe, expect, it, vi } from 'vitest'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('randomId', () => {
  it('is a UUID v4 from crypto.randomUUID when there is one', () => {
    expect(randomId()).toMatch(UUID_V4)
  })

  it('builds a UUID v4 from getRandomValues without randomUUID (insecure contexts)', () => {
    const real = globalThis.crypto
    const getRandomValues = (bytes: Uint8Array) => real.getRandomValues(bytes)
    vi.stubGlobal('crypto', { getRandomValues })
    const ids = Array.from({ length: 200 }, randomId)
    for (const id of ids) expect(id).toMatch(UUID_V4)
    expect(new Set(ids).size).toBe(ids.length)
    // Every variant digit 8–b shows up, so the variant bits are set, not constant.
    expect(new Set(ids.map((id) => id[19])).size).toBe(4)
  })

  it('falls back to Math.random with no crypto at all', () => {
    vi.stubGlobal('crypto', undefined)
    const ids = Array.from({ length: 50 }, randomId)
    for (const id of ids) expect(id).toMatch(UUID_V4)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
