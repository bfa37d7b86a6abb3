import type { Logger } from '../../http/logger'
import { pingFeature } from './ping'
import type { RealtimeState } from './realtime-state'
import type { RealtimeIo, RealtimeSocket } from './realtime-types'

/** What a realtime feature's handlers can use. */
export interface RealtimeContext {
  /** The Socket.IO server (broadcasts, rooms). */
  readonly io: RealtimeIo
  /** Who is connected. */
  readonly state: RealtimeState
  /** The server's logger. */
  readonly logger: Logger
  /** The environment (e.g. `REALTIME_TYPING_TIMEOUT`). */
  readonly env: Record<string, string | undefined>
}

/**
 * One part of the realtime protocol (rooms, messages, presence, typing, calls): registers its
 * listeners on every authenticated socket, before `connected` is sent, so nothing a client
 * emits after `connected` can be lost.
 */
export interface RealtimeFeature {
  /** A short name, for logs. */
  readonly name: string
  /** Registers the feature's listeners on `socket`. */
  register(socket: RealtimeSocket, ctx: RealtimeContext): void
  /** Runs after the socket is gone (its rooms are already left). */
  disconnect?(socket: RealtimeSocket, ctx: RealtimeContext): void
}

/** The features every realtime server runs, in order. */
export const REALTIME_FEATURES: readonly RealtimeFeature[] = [pingFeature]

/** Wires an authenticated socket: state, features, then the `connected` event. */
export function handleConnection(
  socket: RealtimeSocket,
  ctx: RealtimeContext,
  features: readonly RealtimeFeature[] = REALTIME_FEATURES,
): void {
  ctx.state.addSocket(socket.id, socket.data.user)
  socket.onAny(() => ctx.state.events.record())
  for (const feature of features) feature.register(socket, ctx)
  socket.on('disconnect', () => {
    ctx.state.removeSocket(socket.id)
    for (const feature of features) feature.disconnect?.(socket, ctx)
  })
  socket.emit('connected', {
    socketId: socket.id,
    serverTime: new Date().toISOString(),
    protocolVersion: '1.0',
  })
}
