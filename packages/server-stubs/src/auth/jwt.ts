import { createHmac, randomUUID } from 'node:crypto'
import { type TokenClaims, TokenClaimsSchema } from '@nself/contracts'
import { errors, jwtVerify } from 'jose'
import { HttpError } from '../http/http-error'
import { parseDurationSeconds } from './duration'

/** The claims of a verified token: the nself claims plus the registered ones present. */
export interface VerifiedToken extends TokenClaims {
  /** Expiry, seconds since the epoch, when the token has one. */
  exp?: number
  /** Issue time, seconds since the epoch, when the token has one. */
  iat?: number
}

/** Options of {@link verifyToken}. */
export interface VerifyTokenOptions {
  /** Seconds of clock skew tolerated on `exp`/`nbf` (default 0). */
  clockTolerance?: number
  /** The current time (tests); defaults to now. */
  currentDate?: Date
}

/**
 * Verifies an HS256 JWT signed with `secret` and returns its claims. `userId` is required;
 * `sessionId` and `role` are read when present; `exp` is honoured.
 * Rejects with an `HttpError`: `TOKEN_EXPIRED` past `exp`, `INVALID_TOKEN` for anything
 * else (bad signature, other algorithm, malformed, no `userId`).
 */
export async function verifyToken(
  token: string,
  secret: string,
  options: VerifyTokenOptions = {},
): Promise<VerifiedToken> {
  let payload: Record<string, unknown>
  try {
    const verified = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      clockTolerance: options.clockTolerance ?? 0,
      ...(options.currentDate ? { currentDate: options.currentDate } : {}),
    })
    payload = verified.payload
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new HttpError('TOKEN_EXPIRED', 'Token expired', { cause: error })
    }
    throw new HttpError('INVALID_TOKEN', 'Invalid token', { cause: error })
  }
  const claims = TokenClaimsSchema.safeParse(payload)
  if (!claims.success) {
    throw new HttpError('INVALID_TOKEN', 'Invalid token: the userId claim is missing', {
      details: claims.error.issues,
    })
  }
  const result: VerifiedToken = { userId: claims.data.userId }
  if (claims.data.sessionId !== undefined) result.sessionId = claims.data.sessionId
  if (claims.data.role !== undefined) result.role = claims.data.role
  if (typeof payload.exp === 'number') result.exp = payload.exp
  if (typeof payload.iat === 'number') result.iat = payload.iat
  return result
}

/** What {@link signDevToken} puts in a token. */
export interface DevTokenClaims {
  /** The user the token signs in (claim `userId`, also `sub`). */
  userId: string
  /** Claim `sessionId`; a random UUID when omitted (the realtime plugin reads it). */
  sessionId?: string
  /** Claim `role`; `service` lets the bearer act for any user. */
  role?: string
  /**
   * Lifetime: seconds, or a string such as `30m`, `1h`, `7d` (default `1h`); `null` for a
   * token that never expires. A negative value gives an already expired token (tests).
   */
  expiresIn?: string | number | null
}

/**
 * Signs a development token (HS256) the stubs and the real plugins accept. Synchronous.
 * Anyone holding `secret` can mint such tokens: keep real secrets out of browsers.
 */
export function signDevToken(claims: DevTokenClaims, secret: string): string {
  if (!claims.userId) throw new TypeError('signDevToken: userId is required')
  const now = Math.floor(Date.now() / 1000)
  const expiresIn = claims.expiresIn === undefined ? '1h' : claims.expiresIn
  const payload: Record<string, unknown> = {
    userId: claims.userId,
    sessionId: claims.sessionId ?? randomUUID(),
    ...(claims.role === undefined ? {} : { role: claims.role }),
    sub: claims.userId,
    iat: now,
    ...(expiresIn === null ? {} : { exp: now + parseDurationSeconds(expiresIn) }),
  }
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = base64url(JSON.stringify(payload))
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url')
  return `${header}.${body}.${signature}`
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}
