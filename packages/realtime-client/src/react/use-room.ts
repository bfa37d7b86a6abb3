'use client'
import { useStore } from '@nself/client-core/react'
import { useCallback, useEffect, useMemo } from 'react'
import { joiningRoom } from '../client/state'
import type { Message, RoomState, SendOptions } from '../types'
import { useRealtimeClient } from './realtime-provider'

/** What {@link useRoom} returns. */
export interface UseRoom extends Omit<RoomState, 'name'> {
  name: string | null
  /** Sends a message to the room (through the outbox when offline). */
  send(content: string, options?: SendOptions): Promise<Message>
}

const NONE = joiningRoom('')

/**
 * Joins `roomName` while mounted (left on unmount or when the name changes; `null` joins
 * nothing) and returns its members, live messages, typists and `send`. Re-renders only when
 * this room changes.
 */
export function useRoom(roomName: string | null | undefined): UseRoom {
  const client = useRealtimeClient()
  useEffect(() => {
    if (!roomName) return
    client.joinRoom(roomName).catch(() => {}) // the error is in the room's state
    return () => {
      client.leaveRoom(roomName)
    }
  }, [client, roomName])
  const room = useStore(client, (s) => (roomName ? s.rooms[roomName] : undefined))
  const send = useCallback(
    (content: string, options?: SendOptions) => client.send(roomName ?? '', content, options),
    [client, roomName],
  )
  return useMemo(() => ({ ...NONE, ...room, name: roomName ?? null, send }), [room, roomName, send])
}
