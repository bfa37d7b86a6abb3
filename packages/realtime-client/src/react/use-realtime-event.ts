'use client'
import { useEffect, useRef } from 'react'
import type { ServerEvents } from '../types'
import { useRealtimeClient } from './realtime-provider'

/** Calls `handler` with every `event` from the server while mounted (the latest `handler`, no re-subscribe). */
export function useRealtimeEvent<E extends keyof ServerEvents>(
  event: E,
  handler: (payload: ServerEvents[E]) => void,
): void {
  const client = useRealtimeClient()
  const latest = useRef(handler)
  useEffect(() => {
    latest.current = handler
  })
  useEffect(() => client.on(event, (payload) => latest.current(payload)), [client, event])
}
