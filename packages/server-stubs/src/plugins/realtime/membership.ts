import { AckError } from './event-handler'
import type { RealtimeContext } from './handlers'
import type { RealtimeSocket } from './realtime-types'
import { roomKey } from './room-keys'

/**
 * Throws `ROOM_FORBIDDEN` unless the socket's user is a member of `roomName` (joined and not
 * left; memberships survive reconnects, so an outbox flushed before the rejoin still counts).
 */
export async function requireMember(
  socket: RealtimeSocket,
  ctx: RealtimeContext,
  roomName: string,
): Promise<void> {
  if (socket.rooms.has(roomKey(roomName))) return
  if (await ctx.store.isMember(roomName, socket.data.user.userId)) return
  throw new AckError('ROOM_FORBIDDEN', `Join room ${JSON.stringify(roomName)} first`)
}
