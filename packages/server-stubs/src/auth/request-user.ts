import type { IncomingMessage } from 'node:http'
import { HttpError } from '../http/http-error'
import { verifyToken } from './jwt'

/** The authenticated caller of a request, from its token. */
export interface AuthUser {
  /** The token's `userId`: the user every request acts as. */
  userId: string
  /** The token's `sessionId`, when present. */
  sessionId?: string
  /** The token's `role`, when present. */
  role?: string
  /** `role === 'service'`: a server acting for any user. */
  isService: boolean
}

/**
 * The token of an `Authorization: Bearer <token>` header, or `undefined` when there is no
 * such header. A present header in another scheme is an `INVALID_TOKEN` error.
 */
export function parseBearer(header: string | readonly string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || value.trim() === '') return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value)
  if (!match?.[1]) throw new HttpError('INVALID_TOKEN', 'Authorization header must be "Bearer <token>"')
  return match[1]
}

/**
 * Authenticates a request by its Bearer JWT. Rejects with an `HttpError`:
 * `UNAUTHENTICATED` without a token, `INVALID_TOKEN` or `TOKEN_EXPIRED` otherwise.
 * Every 401 carries `WWW-Authenticate: Bearer`.
 */
export async function requireUser(req: IncomingMessage, secret: string): Promise<AuthUser> {
  try {
    const token = parseBearer(req.headers.authorization)
    if (token === undefined) throw new HttpError('UNAUTHENTICATED', 'Authentication required')
    const claims = await verifyToken(token, secret)
    return {
      userId: claims.userId,
      ...(claims.sessionId === undefined ? {} : { sessionId: claims.sessionId }),
      ...(claims.role === undefined ? {} : { role: claims.role }),
      isService: claims.role === 'service',
    }
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) {
      throw new HttpError(error.code, error.message, {
        details: error.details,
        headers: {
          'www-authenticate': `Bearer error="${error.code === 'UNAUTHENTICATED' ? 'invalid_request' : 'invalid_token'}"`,
        },
        cause: error.cause,
      })
    }
    throw error
  }
}

/**
 * The user a request acts for. The token's user, always, unless the token has
 * `role: "service"`, in which case a `requested` user id (from a body, query or path) is
 * honoured. A different `requested` id from anyone else is a 403 `FORBIDDEN`.
 */
export function actingUserId(user: AuthUser, requested?: string | null): string {
  if (requested === undefined || requested === null || requested === '' || requested === user.userId) {
    return user.userId
  }
  if (user.isService) return requested
  throw new HttpError('FORBIDDEN', 'You can only act for the user of your token', {
    details: { tokenUserId: user.userId, requestedUserId: requested },
  })
}
