import { clientEventSchemas } from '@nself/contracts/realtime'
import type { Logger } from '../../http/logger'
import type { Counter } from '../../metrics/registry'
import { callsFeature } from './calls'
import { AckError, ackError, enqueue, splitArgs } from './event-handler'
import { messagesFeature } from './messages'
import { pingFeature } from './ping'
import { createPresenceFeature } from './presence'
import { RateLimiter } from './rate-limiter'
import type { RealtimeConfig } from './realtime-config'
import type { RealtimeState } from './realtime-state'
import type { RealtimeIo, RealtimeSocket } from './realtime-types'
import { userKey } from './room-keys'
import { roomsFeature } from './rooms'
import type { RealtimeStore } from './store/realtime-store'
import { createTypingFeature } from './typing'

/** Counters the features update (served at `GET /metrics`). */
export interface RealtimeCounters {
  /** Events dropped before any handler, by `reason` (`rate_limited`, `unknown_event`). */
  dropped: Counter
  /** Events answered with an error, by `event` and `code`. */
  rejected: Counter
  /** Messages broadcast. */
  messages: Counter
  /** Messages recognised as resends (`clientMessageId` seen before) and not broadcast again. */
  duplicates: Counter
}

/** What a realtime feature's handlers can use. */
export interface RealtimeContext {
  /** The Socket.IO server (broadcasts, rooms). */
  readonly io: RealtimeIo
  /** Who is connected to this instance. */
  readonly state: RealtimeState
  /** Rooms, presence, typing and message ids, shared by every instance in scale mode. */
  readonly store: RealtimeStore
  /** Resolved tunables (timeouts, limits). */
  readonly config: RealtimeConfig
  /** The server's logger. */
  readonly logger: Logger
  /** The environment (e.g. `REALTIME_TYPING_TIMEOUT`). */
  readonly env: Record<string, string | undefined>
  /** Metrics counters. */
  readonly counters: RealtimeCounters
  /** Runs background work (timers, broadcasts) so that `close()` waits for it and failures are logged. */
  track(what: string, work: () => Promise<void>): void
}

/**
 * One part of the realtime protocol (rooms, messages, presence, typing, calls): registers its
 * listeners on every authenticated socket, before `connected` is sent, so nothing a client
 * emits after `connected` can be lost.
 */
export interface RealtimeFeature {
  /** A short name, for logs. */
  readonly name: string
  /** Starts server-wide work (timers); returns what stops it. */
  start?(ctx: RealtimeContext): (() => void) | undefined
  /** Registers the feature's listeners on `socket`. */
  register(socket: RealtimeSocket, ctx: RealtimeContext): void
  /** Runs once the listeners are registered, before `connected` is sent (e.g. presence). */
  connect?(socket: RealtimeSocket, ctx: RealtimeContext): Promise<void>
  /** Sees every accepted client event first (e.g. activity for auto-away). */
  onEvent?(socket: RealtimeSocket, ctx: RealtimeContext, event: string): void
  /** Runs after the socket is gone (Socket.IO rooms already left), in the socket's queue. */
  disconnect?(socket: RealtimeSocket, ctx: RealtimeContext): Promise<void> | void
}

/** The features of one realtime server, in order (features with per-server state are made fresh). */
export function createRealtimeFeatures(): RealtimeFeature[] {
  return [
    pingFeature,
    createPresenceFeature(),
    roomsFeature,
    messagesFeature,
    createTypingFeature(),
    callsFeature,
  ]
}

/** Every client → server event of the contract. */
export const CLIENT_EVENTS: ReadonlySet<string> = new Set([...Object.keys(clientEventSchemas), 'ping'])

/**
 * Wires an authenticated socket: state, the event guard (rate limit, unknown events), the
 * features' listeners, their connect work (presence), then the `connected` event.
 */
export function handleConnection(
  socket: RealtimeSocket,
  ctx: RealtimeContext,
  features: readonly RealtimeFeature[],
): void {
  ctx.state.addSocket(socket.id, socket.data.user)
  socket.onAny(() => ctx.state.events.record())
  // A socket's own 'error' event (a middleware error) must never reach an EventEmitter with no listener.
  socket.on('error', (error) => ctx.logger.warn({ msg: 'socket error', plugin: 'realtime', error }))
  const limiter = new RateLimiter(ctx.config.rateLimit)
  socket.use((packet, next) => {
    const event = packet[0]
    const { ack } = splitArgs(packet.slice(1))
    if (!limiter.take()) {
      ctx.counters.dropped.inc({ reason: 'rate_limited' })
      ackError(
        ack,
        new AckError('RATE_LIMITED', `More than ${ctx.config.rateLimit} events per second`, {
          retryAfterMs: limiter.retryAfterMs(),
        }),
      )
      return
    }
    if (typeof event !== 'string' || !CLIENT_EVENTS.has(event)) {
      ctx.counters.dropped.inc({ reason: 'unknown_event' })
      ackError(
        ack,
        new AckError('BAD_REQUEST', `Unknown event ${JSON.stringify(String(event)).slice(0, 120)}`),
      )
      return
    }
    for (const feature of features) feature.onEvent?.(socket, ctx, event)
    next()
  })
  if (!socket.data.user.anonymous) void socket.join(userKey(socket.data.user.userId))
  for (const feature of features) feature.register(socket, ctx)
  socket.on('disconnect', () => {
    ctx.state.removeSocket(socket.id)
    ctx.track('disconnect', () =>
      enqueue(socket, async () => {
        for (const feature of features) {
          try {
            await feature.disconnect?.(socket, ctx)
          } catch (error) {
            ctx.logger.error({
              msg: 'disconnect cleanup failed',
              plugin: 'realtime',
              feature: feature.name,
              error,
            })
          }
        }
      }),
    )
  })
  void enqueue(socket, async () => {
    for (const feature of features) {
      try {
        await feature.connect?.(socket, ctx)
      } catch (error) {
        ctx.logger.error({ msg: 'connect work failed', plugin: 'realtime', feature: feature.name, error })
      }
    }
    if (socket.connected) {
      socket.emit('connected', {
        socketId: socket.id,
        serverTime: new Date().toISOString(),
        protocolVersion: '1.0',
      })
    }
  })
}
