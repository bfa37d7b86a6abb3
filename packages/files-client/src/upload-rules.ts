const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 }

/**
 * Bytes from a size given as a number or as text (`'100MB'`, `'1.5 GB'`, `'512kb'`; binary
 * units, as the plugin's `FILE_MAX_SIZE` of 104857600 = 100 MB). `undefined` stays `undefined`.
 * @throws {TypeError} for text that is not a size.
 */
export function parseSize(size: number | string | undefined): number | undefined {
  if (typeof size !== 'string') return size
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?b)?\s*$/i.exec(size)
  if (!match) throw new TypeError(`Not a size: ${size}`)
  return Math.floor(Number(match[1]) * (UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1))
}

/**
 * Whether a file matches an `accept` list as `<input accept>` reads it: MIME types
 * (`application/pdf`), wildcards (`image/*`) and extensions (`.pdf`), comma-separated.
 * No list accepts everything.
 */
export function isAccepted(accept: string | undefined, name: string, type: string): boolean {
  if (!accept) return true
  return accept.split(',').some((entry) => {
    const a = entry.trim().toLowerCase()
    return a[0] === '.'
      ? name.toLowerCase().endsWith(a)
      : a === '*' || a === '*/*' || (a.endsWith('/*') ? type.startsWith(a.slice(0, -1)) : a === type)
  })
}
