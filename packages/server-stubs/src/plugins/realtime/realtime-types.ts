import type { ClientToServerEvents, Device, ServerToClientEvents } from '@nself/contracts/realtime'
import type { Socket, Server as SocketIOServer } from 'socket.io'

/** Who a realtime socket belongs to, from its handshake token. */
export interface SocketUser {
  /** The token's `userId` (`anonymous-<socketId>` for an anonymous socket). */
  userId: string
  /** The token's `sessionId`, when present. */
  sessionId?: string
  /** The token's `role`, when present. */
  role?: string
  /** Connected without a token (`REALTIME_ALLOW_ANONYMOUS=true`). */
  anonymous: boolean
}

/** What the server keeps on `socket.data`. */
export interface RealtimeSocketData {
  user: SocketUser
  /** The handshake's `device`, when it was valid. */
  device?: Device
  /** The tenant: handshake `sourceAccountId`, normalised (default `primary`). */
  appName: string
}

/** Events between server instances (none yet; the Redis adapter carries room broadcasts). */
export type RealtimeInterServerEvents = Record<string, never>

/** The typed Socket.IO server of the realtime plugin. */
export type RealtimeIo = SocketIOServer<
  ClientToServerEvents,
  ServerToClientEvents,
  RealtimeInterServerEvents,
  RealtimeSocketData
>

/** One authenticated realtime socket. */
export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  RealtimeInterServerEvents,
  RealtimeSocketData
>
