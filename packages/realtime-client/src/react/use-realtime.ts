'use client'
import { useStore } from '@nself/client-core/react'
import { useEffect, useMemo, useRef } from 'react'
import { fromWirePresence } from '../realtime-client'
import type {
  ConnectionState,
  CustomStatus,
  Message,
  Presence,
  PresenceStatus,
  RealtimeClient,
  SendOptions,
  Typist,
} from '../types'
import { useRealtimeClient } from './realtime-provider'

/** What {@link useRealtime} returns: the connection state plus the actions of both seeds. */
export interface UseRealtime extends ConnectionState {
  client: RealtimeClient
  connection: ConnectionState
  isConnected: boolean
  /** Joins a room; left again when the component unmounts (plugins seed: `joinChannel`). */
  joinRoom(roomName: string): Promise<unknown>
  leaveRoom(roomName: string): Promise<void>
  joinChannel(channelId: string): Promise<unknown>
  leaveChannel(channelId: string): Promise<void>
  /** `true` on input (throttled), `false` on send, blur or empty input. */
  sendTyping(roomName: string, isTyping: boolean, threadId?: string): void
  /** Calls `handler` with the room's typists (self excluded) whenever they change. */
  onTyping(roomName: string, handler: (typists: Typist[]) => void): () => void
  updatePresence(status: PresenceStatus, customStatus?: CustomStatus | null): void
  /** Calls `handler` with every presence change (`busy` arrives as `dnd`). */
  onPresenceChange(handler: (presence: Presence) => void): () => void
  sendMessage(roomName: string, content: string, options?: SendOptions): Promise<Message>
  /** Calls `handler` with every new message of `roomName` (each once). */
  onMessage(roomName: string, handler: (message: Message) => void): () => void
}

/**
 * The realtime API in the shape both seeds use: `joinChannel` / `sendTyping` and `joinRoom`,
 * `leaveRoom`, `onTyping`, `updatePresence`, `onPresenceChange`, plus the connection state.
 * Rooms joined and listeners added through it are released when the component unmounts.
 * Re-renders only when the connection state changes.
 */
export function useRealtime(): UseRealtime {
  const client = useRealtimeClient()
  const connection = useStore(client, (s) => s.connection)
  const owned = useRef<{ rooms: string[]; offs: Set<() => void> }>({ rooms: [], offs: new Set() })
  useEffect(() => {
    const o = owned.current
    return () => {
      for (const room of o.rooms.splice(0)) client.leaveRoom(room)
      for (const off of o.offs) off()
      o.offs.clear()
    }
  }, [client])

  const actions = useMemo(() => {
    const o = owned.current
    const track = (off: () => void) => {
      o.offs.add(off)
      return () => {
        o.offs.delete(off)
        off()
      }
    }
    const joinRoom = (room: string) => {
      o.rooms.push(room)
      return client.joinRoom(room)
    }
    const leaveRoom = (room: string) => {
      const i = o.rooms.indexOf(room)
      if (i < 0) return Promise.resolve()
      o.rooms.splice(i, 1)
      return client.leaveRoom(room)
    }
    return {
      client,
      joinRoom,
      leaveRoom,
      joinChannel: joinRoom,
      leaveChannel: leaveRoom,
      sendTyping: (room: string, isTyping: boolean, threadId?: string) =>
        isTyping ? client.startTyping(room, threadId) : client.stopTyping(room, threadId),
      onTyping(room: string, handler: (typists: Typist[]) => void) {
        let last = client.getSnapshot().rooms[room]?.typing
        return track(
          client.subscribe(() => {
            const typing = client.getSnapshot().rooms[room]?.typing
            if (typing === last) return
            last = typing
            handler(typing ?? [])
          }),
        )
      },
      updatePresence: (status: PresenceStatus, customStatus?: CustomStatus | null) =>
        client.setPresence(status, customStatus),
      onPresenceChange: (handler: (presence: Presence) => void) =>
        track(client.on('presence:changed', (p) => handler(fromWirePresence(p)))),
      sendMessage: (room: string, content: string, options?: SendOptions) =>
        client.send(room, content, options),
      onMessage: (room: string, handler: (message: Message) => void) =>
        track(
          client.on(
            'message:new',
            (m) => m.roomName === room && handler({ ...m, id: m.id ?? null, status: 'sent' }),
          ),
        ),
    }
  }, [client])

  return useMemo(
    () => ({ ...connection, ...actions, connection, isConnected: connection.status === 'connected' }),
    [connection, actions],
  )
}
