import { createHmac, timingSafeEqual } from 'node:crypto'
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { HttpError } from '../../http/http-error'

// Addresses a callback may never reach unless private targets are allowed for development:
// loopback, private, link-local (cloud metadata), carrier-grade NAT, unspecified, multicast.
const PRIVATE = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6')

/** Is `address` (IPv4 or IPv6, IPv4-mapped included) loopback, private, link-local or otherwise not public? */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped?.[1]) return PRIVATE.check(mapped[1], 'ipv4')
  const family = isIP(ip)
  if (family === 4) return PRIVATE.check(ip, 'ipv4')
  if (family === 6) {
    // ::ffff:7f00:1 is 127.0.0.1 written in hex.
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip)
    if (hexMapped?.[1] && hexMapped[2]) {
      const hi = Number.parseInt(hexMapped[1], 16)
      const lo = Number.parseInt(hexMapped[2], 16)
      return PRIVATE.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4')
    }
    return PRIVATE.check(ip, 'ipv6')
  }
  return true
}

function forbidden(url: string, reason: string): HttpError {
  return new HttpError('CALLBACK_URL_FORBIDDEN', `${reason}: ${url}`, { details: { url } })
}

/**
 * Checks a URL the server will call (a `callback_url`, an `http-request` job's `url`) without
 * resolving it: http(s) only, no credentials, and no private or loopback literal address or
 * `localhost` unless `allowPrivate`. Names are checked again, resolved, when called.
 * @throws {HttpError} `CALLBACK_URL_FORBIDDEN`
 */
export function checkTargetUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw forbidden(raw, 'Not an absolute URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw forbidden(raw, 'Only http and https URLs')
  if (url.username || url.password) throw forbidden(raw, 'URLs with credentials are refused')
  if (allowPrivate) return url
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  )
    throw forbidden(raw, 'Local host names are refused')
  if (isIP(host) !== 0 && isPrivateAddress(host))
    throw forbidden(raw, 'Private and loopback addresses are refused')
  // Decimal, octal or hex forms of an IPv4 address (http://2130706433/) resolve to it too.
  if (/^(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+)){0,3}$/i.test(host) && isIP(host) === 0)
    throw forbidden(raw, 'Numeric host names are refused')
  return url
}

/**
 * A `lookup` for `http.request` that refuses names resolving to a private address, checked at
 * connect time so a DNS answer cannot change between the check and the connection.
 */
export function safeLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0)
      const list = addresses as unknown as LookupAddress[]
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address))
      if (bad) {
        const refused = Object.assign(
          new Error(`${hostname} resolves to a private address (${bad.address})`),
          {
            code: 'CALLBACK_URL_FORBIDDEN',
          },
        )
        return callback(refused, '', 0)
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list)
      const first = list[0]
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0)
      callback(null, first.address, first.family)
    })
  }
}

/** The response of {@link safeRequest}. */
export interface SafeResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The body, cut at `maxBodyBytes`. */
  body: string
}

/** Options of {@link safeRequest}. */
export interface SafeRequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: string
  signal?: AbortSignal
  /** Default 30 000 (the real plugin's callback timeout). */
  timeoutMs?: number
  allowPrivate: boolean
  /** Default 64 KiB. */
  maxBodyBytes?: number
}

/** An HTTP request to a checked URL, with the connect-time address check and no redirects. */
export function safeRequest(raw: string, options: SafeRequestOptions): Promise<SafeResponse> {
  const url = checkTargetUrl(raw, options.allowPrivate)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  const maxBody = options.maxBodyBytes ?? 65_536
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          'user-agent': 'nself-jobs-stub',
          ...options.headers,
          ...(options.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(options.body)) }),
        },
        lookup: safeLookup(options.allowPrivate),
        timeout: options.timeoutMs ?? 30_000,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size))
          size += chunk.length
        })
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('timeout', () =>
      req.destroy(new Error(`${url.host} did not answer within ${options.timeoutMs ?? 30_000} ms`)),
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/**
 * The real plugin's `X-Webhook-Signature` value for `body`: `t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>">`.
 */
export function signWebhook(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
  return `t=${timestamp},v1=${mac}`
}

/** Options of {@link verifyWebhookSignature}. */
export interface VerifySignatureOptions {
  /** Oldest accepted timestamp, in seconds from now (default 300). */
  toleranceSeconds?: number
  /** Unix seconds now (tests). */
  now?: number
}

/**
 * Checks an `X-Webhook-Signature` header against `body` with constant-time comparison
 * (`crypto.timingSafeEqual`), so the time taken says nothing about how much of a forged
 * signature was right. Rejects stale timestamps (replays).
 */
export function verifyWebhookSignature(
  header: string | null | undefined,
  body: string,
  secret: string,
  options: VerifySignatureOptions = {},
): boolean {
  if (!header) return false
  let timestamp: number | undefined
  const candidates: string[] = []
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2)
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value)
    else if (key === 'v1' && value) candidates.push(value)
  }
  if (timestamp === undefined || candidates.length === 0) return false
  const now = options.now ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'),
    'utf8',
  )
  let ok = false
  for (const candidate of candidates) {
    const given = Buffer.from(candidate, 'utf8')
    // Equal lengths first: timingSafeEqual throws otherwise, and the length is public anyway.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true
  }
  return ok
}
