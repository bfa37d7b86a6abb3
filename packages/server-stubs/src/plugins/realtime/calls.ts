import {
  CallAnswerSchema,
  CallHangupSchema,
  CallIceCandidateSchema,
  CallOfferSchema,
} from '@nself/contracts/realtime'
import type { SafeParser } from '../../http/request-context'
import { AckError, onEvent } from './event-handler'
import type { RealtimeFeature } from './handlers'
import { requireMember } from './membership'
import { userKey } from './room-keys'

type CallEvent = 'call:offer' | 'call:answer' | 'call:ice-candidate' | 'call:hangup'

const CALL_SCHEMAS: Record<CallEvent, SafeParser<{ roomName: string; toUserId: string }>> = {
  'call:offer': CallOfferSchema,
  'call:answer': CallAnswerSchema,
  'call:ice-candidate': CallIceCandidateSchema,
  'call:hangup': CallHangupSchema,
}

/**
 * Call signaling (extension): `call:offer`, `call:answer`, `call:ice-candidate` and
 * `call:hangup` are relayed between two members of a room — to every socket of the target
 * user, on any instance, with `toUserId` replaced by `fromUserId`. SDP and ICE stay opaque.
 * `ROOM_FORBIDDEN` when the sender is not a member; `NOT_FOUND` when the target is not in
 * the room (not a member, or not connected).
 */
export const callsFeature: RealtimeFeature = {
  name: 'calls',
  register(socket, ctx) {
    const { user } = socket.data
    for (const event of Object.keys(CALL_SCHEMAS) as CallEvent[]) {
      onEvent(socket, ctx, event, CALL_SCHEMAS[event], async (payload) => {
        await requireMember(socket, ctx, payload.roomName)
        if (payload.toUserId === user.userId) throw new AckError('BAD_REQUEST', 'Cannot signal yourself')
        const [isMember, presences] = await Promise.all([
          ctx.store.isMember(payload.roomName, payload.toUserId),
          ctx.store.getPresences([payload.toUserId]),
        ])
        if (!isMember || !presences[0]?.connected) {
          throw new AckError(
            'NOT_FOUND',
            `User ${JSON.stringify(payload.toUserId)} is not in room ${JSON.stringify(payload.roomName)}`,
          )
        }
        const { toUserId, ...signal } = payload
        // The payload was validated by the event's own schema; the relay adds only `fromUserId`.
        const target = ctx.io.to(userKey(toUserId)) as unknown as {
          emit(event: CallEvent, payload: Record<string, unknown>): boolean
        }
        target.emit(event, { ...signal, fromUserId: user.userId })
        return undefined
      })
    }
  },
}
