import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Signed, expiring URLs: downloads an `<img src>` can load without a token, and the
 * presigned PUT of the chat app's upload flow. The signature is an HMAC-SHA256 over the
 * method, the path and the expiry, keyed by a secret derived from the server's JWT secret
 * (so a URL signature is never a token signature), and checked in constant time.
 */
export class UrlSigner {
  readonly #key: Buffer

  constructor(jwtSecret: string) {
    this.#key = createHmac('sha256', jwtSecret).update('nself-files/signed-urls/v1').digest()
  }

  #mac(method: string, path: string, expires: number): Buffer {
    return createHmac('sha256', this.#key).update(`${method} ${path}\n${expires}`).digest()
  }

  /** The query string (`expires=…&signature=…`) that authorises `method path` until `expires` (unix s). */
  sign(method: 'GET' | 'PUT', path: string, expires: number): string {
    return `expires=${expires}&signature=${this.#mac(method, path, expires).toString('hex')}`
  }

  /**
   * Checks the `expires` and `signature` of `query` for `method path`: `absent` when the
   * request carries no signature, `invalid`, `expired`, or `valid`.
   */
  verify(
    method: 'GET' | 'PUT',
    path: string,
    query: URLSearchParams,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): 'absent' | 'invalid' | 'expired' | 'valid' {
    const expires = query.get('expires')
    const signature = query.get('signature')
    if (expires === null && signature === null) return 'absent'
    if (!expires || !/^\d{1,12}$/.test(expires) || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
      return 'invalid'
    }
    const expected = this.#mac(method, path, Number(expires))
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'invalid'
    return Number(expires) < nowSeconds ? 'expired' : 'valid'
  }
}
