import {
  type RoomInfo,
  type RoomJoinAckData,
  RoomJoinSchema,
  RoomLeaveSchema,
  RoomNameSchema,
  RoomUpsertSchema,
} from '@nself/contracts/realtime'
import { HttpError } from '../../http/http-error'
import { json } from '../../http/reply'
import type { Router } from '../../http/router'
import { AckError, onEvent } from './event-handler'
import type { RealtimeContext, RealtimeFeature } from './handlers'
import { replayRetention } from './messages'
import { memberFor } from './presence'
import { roomKey, roomNameOf, userKey } from './room-keys'
import type { RoomRecord } from './store/realtime-store'
import { clearUserTyping, typingByThread } from './typing'

/** May `userId` (with `role`) join `room`? */
function mayJoin(room: RoomRecord, userId: string, role: string | undefined): boolean {
  return !room.private || room.allowed.includes(userId) || role === 'service'
}

/** Everyone the `room:join` ack lists: those who joined, and a private room's declared members. */
async function memberIds(ctx: RealtimeContext, room: RoomRecord): Promise<string[]> {
  const joined = await ctx.store.members(room.name)
  return [...new Set([...(room.private ? room.allowed : []), ...joined])].sort()
}

/** Removes `userId` from `roomName` everywhere: membership, every socket, typing; tells the room. */
async function removeFromRoom(ctx: RealtimeContext, roomName: string, userId: string): Promise<void> {
  const wasMember = await ctx.store.removeMember(roomName, userId)
  ctx.io.in(userKey(userId)).socketsLeave(roomKey(roomName))
  await clearUserTyping(ctx, roomName, userId)
  if (wasMember) ctx.io.to(roomKey(roomName)).except(userKey(userId)).emit('user:left', { roomName, userId })
}

/**
 * Rooms: `room:join` (created on first join unless `createRoomsOnJoin: false`; a private
 * room only for its members, `ROOM_FORBIDDEN` otherwise) with the members' presence and the
 * current typists in the ack; `room:leave`; `user:joined` / `user:left` to the others.
 * extension: the ack has `serverTime`, and with `since` the buffered `messages` from then on.
 */
export const roomsFeature: RealtimeFeature = {
  name: 'rooms',
  register(socket, ctx) {
    const { user } = socket.data
    onEvent(socket, ctx, 'room:join', RoomJoinSchema, async (join): Promise<RoomJoinAckData> => {
      const { roomName, since } = join
      let room = await ctx.store.getRoom(roomName)
      if (!room) {
        if (!ctx.config.createRoomsOnJoin) throw new AckError('ROOM_NOT_FOUND', 'Room not found')
        room = await ctx.store.ensureRoom(roomName)
      }
      if (!mayJoin(room, user.userId, user.role)) {
        throw new AckError('ROOM_FORBIDDEN', `Room ${JSON.stringify(roomName)} is private`)
      }
      const { added } = await ctx.store.addMember(roomName, user.userId)
      await socket.join(roomKey(roomName))
      if (added) {
        socket
          .to(roomKey(roomName))
          .except(userKey(user.userId))
          .emit('user:joined', { roomName, userId: user.userId })
      }
      // Read after `socket.join` (and after the private-room check): a message is either in
      // the buffer read here or broadcast after this socket joined.
      const now = Date.now()
      const ids = await memberIds(ctx, room)
      const [presences, typing, messages] = await Promise.all([
        ctx.store.getPresences(ids),
        ctx.store.typing(roomName, now),
        since === undefined
          ? undefined
          : ctx.store.messagesSince(roomName, Date.parse(since), replayRetention(ctx.config), now),
      ])
      return {
        roomName,
        memberCount: ids.length,
        members: presences.map((p) => memberFor(p, now)),
        typing: typingByThread(typing),
        ...(messages === undefined ? {} : { messages }),
        serverTime: new Date(now).toISOString(),
      }
    })
    onEvent(socket, ctx, 'room:leave', RoomLeaveSchema, async ({ roomName }) => {
      await socket.leave(roomKey(roomName))
      if (user.anonymous) {
        await ctx.store.removeMember(roomName, user.userId)
        await clearUserTyping(ctx, roomName, user.userId)
        ctx.io.to(roomKey(roomName)).emit('user:left', { roomName, userId: user.userId })
        return undefined
      }
      await removeFromRoom(ctx, roomName, user.userId)
      return undefined
    })
    if (user.anonymous) {
      // An anonymous id never comes back: its memberships go with its socket.
      socket.on('disconnecting', () => {
        for (const key of socket.rooms) {
          const roomName = roomNameOf(key)
          if (roomName !== undefined) {
            ctx.track('anonymous leave', async () => {
              await ctx.store.removeMember(roomName, user.userId)
            })
          }
        }
      })
    }
  },
}

/**
 * extension: `PUT /v1/rooms/:name` declares a room private with its members (or public), and
 * `GET /v1/rooms/:name` reads it — service tokens only. Members taken off a private room
 * leave it at once (`user:left` to the room and to them).
 */
export function registerRoomRoutes(router: Router, ctx: RealtimeContext): void {
  const roomName = (raw: string | undefined): string => {
    const parsed = RoomNameSchema.safeParse(raw)
    if (!parsed.success) throw new HttpError('VALIDATION_FAILED', 'Invalid room name')
    return parsed.data
  }
  const info = async (room: RoomRecord): Promise<RoomInfo> => ({
    name: room.name,
    private: room.private,
    members: [...room.allowed],
    joined: (await ctx.store.members(room.name)).sort(),
  })
  const requireService = (isService: boolean) => {
    if (!isService) throw new HttpError('FORBIDDEN', 'Only a service token may manage rooms')
  }

  router.put('/v1/rooms/:name', async (request) => {
    requireService(request.requireUser().isService)
    const name = roomName(request.params.name)
    const body = await request.parseBody(RoomUpsertSchema)
    const room = await ctx.store.putRoom({
      name,
      private: body.private ?? false,
      allowed: body.members ?? [],
    })
    if (room.private) {
      for (const userId of await ctx.store.members(name)) {
        if (mayJoin(room, userId, undefined)) continue
        await removeFromRoom(ctx, name, userId)
        ctx.io.to(userKey(userId)).emit('user:left', { roomName: name, userId })
      }
      // Sockets in the room without a membership (an anonymous socket, a service) go too.
      for (const remote of await ctx.io.in(roomKey(name)).fetchSockets()) {
        const member = remote.data.user
        if (member && !mayJoin(room, member.userId, member.role)) remote.leave(roomKey(name))
      }
    }
    return json(await info(room))
  })

  router.get('/v1/rooms/:name', async (request) => {
    requireService(request.requireUser().isService)
    const room = await ctx.store.getRoom(roomName(request.params.name))
    if (!room) throw new HttpError('NOT_FOUND', 'Room not found')
    return json(await info(room))
  })
}
