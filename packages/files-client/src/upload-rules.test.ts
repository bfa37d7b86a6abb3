import { describe, expect, it } from 'vitest'
import { isAccepted, parseSize } from './upload-rules'

describe('parseSize', () => {
  it("reads the seeds' '100MB' as the plugin's FILE_MAX_SIZE default", () => {
    expect(parseSize('100MB')).toBe(104_857_600)
    expect(parseSize('1.5 GB')).toBe(1.5 * 1024 ** 3)
    expect(parseSize('512kb')).toBe(524_288)
    expect(parseSize('10')).toBe(10)
    expect(parseSize(42)).toBe(42)
    expect(parseSize(undefined)).toBeUndefined()
  })
  it('refuses what is not a size', () => {
    expect(() => parseSize('lots')).toThrow(TypeError)
    expect(() => parseSize('-1MB')).toThrow(TypeError)
  })
})

describe('isAccepted', () => {
  const accept = 'image/*,video/*,application/pdf,.docx'
  it('matches MIME types, wildcards and extensions as <input accept> does', () => {
    expect(isAccepted(accept, 'a.jpg', 'image/jpeg')).toBe(true)
    expect(isAccepted(accept, 'a.mov', 'video/quicktime')).toBe(true)
    expect(isAccepted(accept, 'a.pdf', 'application/pdf')).toBe(true)
    expect(isAccepted(accept, 'Report.DOCX', '')).toBe(true)
    expect(isAccepted(accept, 'a.exe', 'application/x-msdownload')).toBe(false)
    expect(isAccepted(accept, 'a.txt', 'text/plain')).toBe(false)
    // 'image/*' is not a prefix match on "imagex/…".
    expect(isAccepted('image/*', 'a', 'imagex/png')).toBe(false)
  })
  it('accepts everything without a list', () => {
    expect(isAccepted(undefined, 'a.exe', 'application/x-msdownload')).toBe(true)
    expect(isAccepted('*/*', 'a', 'x/y')).toBe(true)
  })
})
