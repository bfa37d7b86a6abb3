/**
 * The type of a file, from its first bytes — never from its name or what the client claims.
 * A small magic-number table for what a chat app receives, plus every executable format a
 * renamed file could hide.
 */

/** How many leading bytes {@link sniffType} looks at. */
export const SNIFF_BYTES = 4096

const ascii = (bytes: Uint8Array, at: number, text: string): boolean => {
  if (bytes.length < at + text.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false
  return true
}
const hex = (bytes: Uint8Array, at: number, ...values: number[]): boolean =>
  values.every((v, i) => bytes[at + i] === v)

/**
 * Names the executable format `bytes` start with (Windows PE, ELF, Mach-O, Java class,
 * WebAssembly, Android dex, a `#!` script), or `null`. Four bytes decide.
 */
export function sniffExecutable(bytes: Uint8Array): string | null {
  if (ascii(bytes, 0, 'MZ')) return 'application/x-msdownload'
  if (hex(bytes, 0, 0x7f, 0x45, 0x4c, 0x46)) return 'application/x-executable'
  if (
    hex(bytes, 0, 0xfe, 0xed, 0xfa, 0xce) ||
    hex(bytes, 0, 0xfe, 0xed, 0xfa, 0xcf) ||
    hex(bytes, 0, 0xce, 0xfa, 0xed, 0xfe) ||
    hex(bytes, 0, 0xcf, 0xfa, 0xed, 0xfe)
  )
    return 'application/x-mach-binary'
  // Mach-O universal binaries and Java classes share CAFEBABE.
  if (hex(bytes, 0, 0xca, 0xfe, 0xba, 0xbe)) return 'application/java-vm'
  if (hex(bytes, 0, 0x00, 0x61, 0x73, 0x6d)) return 'application/wasm'
  if (ascii(bytes, 0, 'dex\n')) return 'application/vnd.android.dex'
  if (ascii(bytes, 0, '#!')) return 'text/x-shellscript'
  return null
}

const ISO_BMFF_BRANDS: Record<string, string> = {
  avif: 'image/avif',
  avis: 'image/avif',
  heic: 'image/heic',
  heix: 'image/heic',
  heim: 'image/heic',
  heis: 'image/heic',
  mif1: 'image/heif',
  msf1: 'image/heif',
  'qt  ': 'video/quicktime',
  'M4A ': 'audio/mp4',
  'M4B ': 'audio/mp4',
  '3gp4': 'video/3gpp',
  '3gp5': 'video/3gpp',
  '3gp6': 'video/3gpp',
}

/** Markup a browser would render (and run scripts in) if it were served inline. */
const ACTIVE_MARKUP =
  /^(?:\uFEFF)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(svg|!doctype html|html|head|body|script|iframe)\b/i

/**
 * The MIME type of a file from its first {@link SNIFF_BYTES} bytes; `application/octet-stream`
 * when no signature matches and the bytes are not plain text.
 */
export function sniffType(bytes: Uint8Array): string {
  const executable = sniffExecutable(bytes)
  if (executable) return executable
  if (hex(bytes, 0, 0xff, 0xd8, 0xff)) return 'image/jpeg'
  if (hex(bytes, 0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png'
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'image/gif'
  if (ascii(bytes, 0, 'RIFF')) {
    if (ascii(bytes, 8, 'WEBP')) return 'image/webp'
    if (ascii(bytes, 8, 'WAVE')) return 'audio/wav'
    if (ascii(bytes, 8, 'AVI ')) return 'video/x-msvideo'
  }
  if (ascii(bytes, 4, 'ftyp') && bytes.length >= 12) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12))
    return ISO_BMFF_BRANDS[brand] ?? 'video/mp4'
  }
  if (hex(bytes, 0, 0x1a, 0x45, 0xdf, 0xa3)) {
    const head = String.fromCharCode(...bytes.subarray(0, 64))
    return head.includes('webm') ? 'video/webm' : 'video/x-matroska'
  }
  if (ascii(bytes, 0, '%PDF-')) return 'application/pdf'
  if (hex(bytes, 0, 0x50, 0x4b, 0x03, 0x04) || hex(bytes, 0, 0x50, 0x4b, 0x05, 0x06)) return 'application/zip'
  if (hex(bytes, 0, 0x1f, 0x8b)) return 'application/gzip'
  if (hex(bytes, 0, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return 'application/x-7z-compressed'
  if (ascii(bytes, 0, 'Rar!\x1a\x07')) return 'application/vnd.rar'
  if (ascii(bytes, 0, 'OggS')) return 'audio/ogg'
  if (ascii(bytes, 0, 'fLaC')) return 'audio/flac'
  if (ascii(bytes, 0, 'ID3')) return 'audio/mpeg'
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xf6) === 0xf0) return 'audio/aac'
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0) return 'audio/mpeg'
  if (ascii(bytes, 0, 'II*\0') || ascii(bytes, 0, 'MM\0*')) return 'image/tiff'
  if (ascii(bytes, 0, 'BM') && bytes.length >= 14) return 'image/bmp'
  const text = decodeText(bytes)
  if (text !== null) {
    const markup = ACTIVE_MARKUP.exec(text)
    if (markup) return markup[1]?.toLowerCase() === 'svg' ? 'image/svg+xml' : 'text/html'
    return 'text/plain'
  }
  return 'application/octet-stream'
}

/** The bytes as text when they are UTF-8 without control characters (a cut last character is fine). */
function decodeText(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return ''
  for (const b of bytes) {
    // NUL and C0 controls other than tab, newline, form feed, carriage return and escape.
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) return null
    if (b === 0x7f) return null
  }
  // A multi-byte character cut by the sniff window is not an error.
  let end = bytes.length
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = bytes[end - back] ?? 0
    if ((b & 0xc0) === 0x80) continue
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2
      if (need > back) end -= back
    }
    break
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end))
  } catch {
    return null
  }
}

/** Types no wildcard admits: a browser would execute them. Only an exact entry allows one. */
function isActive(mime: string): boolean {
  return (
    mime === 'text/html' ||
    mime === 'image/svg+xml' ||
    mime === 'text/x-shellscript' ||
    mime.startsWith('application/x-') ||
    mime === 'application/java-vm' ||
    mime === 'application/wasm' ||
    mime === 'application/vnd.android.dex'
  )
}

/**
 * Whether `mime` is allowed by `allowed` (exact types, `image/*`, `*\/*`). Executables, HTML
 * and SVG pass only when listed exactly.
 */
export function isTypeAllowed(mime: string, allowed: readonly string[]): boolean {
  if (allowed.includes(mime)) return true
  if (isActive(mime)) return false
  const [major] = mime.split('/')
  return allowed.includes('*/*') || allowed.includes(`${major}/*`)
}
