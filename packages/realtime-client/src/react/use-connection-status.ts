'use client'
import { useStore } from '@nself/client-core/react'
import { useMemo } from 'react'
import type { ConnectionState, OutboxState } from '../types'
import { useRealtimeClient } from './realtime-provider'

/** The connection state machine and the outbox, for a connection banner. */
export function useConnectionStatus(): ConnectionState & { outbox: OutboxState } {
  const client = useRealtimeClient()
  const connection = useStore(client, (s) => s.connection)
  const outbox = useStore(client, (s) => s.outbox)
  return useMemo(() => ({ ...connection, outbox }), [connection, outbox])
}
