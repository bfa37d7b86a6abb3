import { normalizeAppName } from '@nself/contracts'
import { type ConnectErrorData, DeviceSchema, REALTIME_CONNECT_ERRORS } from '@nself/contracts/realtime'
import { verifyToken } from '../../auth/jwt'
import { isHttpError } from '../../http/http-error'
import type { RealtimeSocket, SocketUser } from './realtime-types'

/** Options of {@link createSocketAuth}. */
export interface SocketAuthOptions {
  /** HS256 secret of the handshake tokens. */
  jwtSecret: string
  /** Accept sockets without a token (`REALTIME_ALLOW_ANONYMOUS=true`). */
  allowAnonymous: boolean
}

/**
 * The handshake middleware: verifies `auth.token` as the real plugin does, rejecting with
 * exactly `Authentication required` (no token) or `Invalid token` (bad or expired token),
 * and fills `socket.data`. extension: the error's `data.code` tells expiry apart.
 */
export function createSocketAuth(options: SocketAuthOptions) {
  return async (socket: RealtimeSocket, next: (error?: Error) => void): Promise<void> => {
    const auth: Record<string, unknown> = isRecord(socket.handshake.auth) ? socket.handshake.auth : {}
    const token = typeof auth.token === 'string' && auth.token !== '' ? auth.token : undefined
    let user: SocketUser
    if (token === undefined) {
      if (!options.allowAnonymous) {
        next(connectError(REALTIME_CONNECT_ERRORS.authenticationRequired, { code: 'UNAUTHENTICATED' }))
        return
      }
      user = { userId: `anonymous-${socket.id}`, anonymous: true }
    } else {
      try {
        const claims = await verifyToken(token, options.jwtSecret)
        user = {
          userId: claims.userId,
          ...(claims.sessionId === undefined ? {} : { sessionId: claims.sessionId }),
          ...(claims.role === undefined ? {} : { role: claims.role }),
          anonymous: false,
        }
      } catch (error) {
        const code = isHttpError(error) && error.code === 'TOKEN_EXPIRED' ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN'
        next(connectError(REALTIME_CONNECT_ERRORS.invalidToken, { code }))
        return
      }
    }
    const device = DeviceSchema.safeParse(auth.device)
    socket.data = {
      user,
      ...(device.success ? { device: device.data } : {}),
      appName: normalizeAppName(typeof auth.sourceAccountId === 'string' ? auth.sourceAccountId : undefined),
    }
    next()
  }
}

function connectError(message: string, data: ConnectErrorData): Error {
  return Object.assign(new Error(message), { data })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
