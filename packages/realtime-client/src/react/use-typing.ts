'use client'
import { useStore } from '@nself/client-core/react'
import { useCallback, useEffect, useMemo } from 'react'
import { formatTyping } from '../typing-text'
import { useRealtimeClient } from './realtime-provider'

const EMPTY: string[] = []
const sameIds = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i])

/** What {@link useTyping} returns. */
export interface UseTyping {
  /** User ids typing in the room (or thread), self excluded. */
  typists: string[]
  /** `"A is typing…"`, `"A and B are typing…"`, `"A, B and 3 others are typing…"`, or `""`. */
  text: string
  /** Call with the input's value (or its change event) on every change: starts or stops typing. */
  onInput(value: string | { target: { value: string } }): void
  /** Stops typing now (also done on unmount and room switch; `send` does it too). */
  stop(): void
  /** Spread on an `<input>` or `<textarea>`: `onChange` and `onBlur`. */
  inputProps: { onChange(event: { target: { value: string } }): void; onBlur(): void }
}

/**
 * Who is typing in `roomName` and an input handler that says when this user is: `typing:start`
 * at most every 2 s while typing, `typing:stop` at once on empty input, blur, send, room switch
 * and unmount. `displayName` maps user ids for the text.
 */
export function useTyping(
  roomName: string | null | undefined,
  options: { threadId?: string; displayName?: (userId: string) => string } = {},
): UseTyping {
  const client = useRealtimeClient()
  const { threadId, displayName } = options
  const typists = useStore(
    client,
    (s) => {
      const typing = roomName ? s.rooms[roomName]?.typing : undefined
      return typing?.length ? typing.filter((t) => t.threadId === threadId).map((t) => t.userId) : EMPTY
    },
    sameIds,
  )
  useEffect(
    () => () => {
      if (roomName) client.stopTyping(roomName, threadId)
    },
    [client, roomName, threadId],
  )
  const stop = useCallback(() => {
    if (roomName) client.stopTyping(roomName, threadId)
  }, [client, roomName, threadId])
  const onInput = useCallback(
    (value: string | { target: { value: string } }) => {
      const text = typeof value === 'string' ? value : value.target.value
      if (!roomName) return
      if (text) client.startTyping(roomName, threadId)
      else client.stopTyping(roomName, threadId)
    },
    [client, roomName, threadId],
  )
  const text = formatTyping(displayName ? typists.map(displayName) : typists)
  return useMemo(
    () => ({ typists, text, onInput, stop, inputProps: { onChange: onInput, onBlur: stop } }),
    [typists, text, onInput, stop],
  )
}
