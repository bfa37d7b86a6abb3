import { randomUUID } from 'node:crypto'
import { type MessageNew, type MessageSendAckData, MessageSendSchema } from '@nself/contracts/realtime'
import { onEvent } from './event-handler'
import type { RealtimeFeature } from './handlers'
import { requireMember } from './membership'
import type { RealtimeConfig } from './realtime-config'
import { roomKey } from './room-keys'
import type { ReplayRetention } from './store/realtime-store'

/** The replay buffers' bounds (extension: `REALTIME_REPLAY_LIMIT`, `REALTIME_REPLAY_MAX_AGE`). */
export function replayRetention(config: RealtimeConfig): ReplayRetention {
  return { limit: config.replayLimit, maxAgeMs: config.replayMaxAgeMs }
}

/**
 * Messages: `message:send` from a member of the room is broadcast as `message:new` to the
 * whole room, sender included, with a server-assigned `id` (extension) and the sender's
 * `clientMessageId` echoed; the ack carries `{ id, timestamp }`. A resend with the same
 * `clientMessageId` (within the de-duplication window, on any instance) gets the first ack
 * and is not broadcast again, so an outbox flushed after a reconnect delivers exactly once.
 * Every broadcast message is kept in its room's replay buffer (extension) for `room:join { since }`.
 */
export const messagesFeature: RealtimeFeature = {
  name: 'messages',
  register(socket, ctx) {
    const { user } = socket.data
    onEvent(socket, ctx, 'message:send', MessageSendSchema, async (payload): Promise<MessageSendAckData> => {
      await requireMember(socket, ctx, payload.roomName)
      const now = Date.now()
      const ack: MessageSendAckData = { id: randomUUID(), timestamp: new Date(now).toISOString() }
      if (payload.clientMessageId !== undefined) {
        const claim = await ctx.store.claimMessage(
          user.userId,
          payload.clientMessageId,
          ack,
          ctx.config.dedupWindowMs,
          now,
        )
        if (claim.duplicate) {
          ctx.counters.duplicates.inc()
          return { id: claim.id, timestamp: claim.timestamp }
        }
      }
      const message: MessageNew = {
        roomName: payload.roomName,
        userId: user.userId,
        content: payload.content,
        ...(payload.threadId === undefined ? {} : { threadId: payload.threadId }),
        timestamp: ack.timestamp,
        ...(payload.metadata === undefined ? {} : { metadata: payload.metadata }),
        id: ack.id,
        ...(payload.clientMessageId === undefined ? {} : { clientMessageId: payload.clientMessageId }),
      }
      // Buffered before it is broadcast: a socket joining meanwhile either reads it in its
      // replay or is already in the room when it goes out (rooms.ts joins before reading).
      try {
        await ctx.store.appendMessage(payload.roomName, message, replayRetention(ctx.config), now)
      } catch (error) {
        // Delivered live all the same: the claim above would turn a retry into a silent duplicate.
        ctx.logger.error({ msg: 'replay buffer append failed', plugin: 'realtime', error })
      }
      ctx.io.to(roomKey(payload.roomName)).emit('message:new', message)
      ctx.counters.messages.inc()
      return ack
    })
  },
}
