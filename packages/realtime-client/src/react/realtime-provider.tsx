'use client'
import { getNselfConfig } from '@nself/client-core'
import { useNselfConfig } from '@nself/client-core/react'
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react'
import { createRealtimeClient } from '../realtime-client'
import type { RealtimeClient, RealtimeClientOptions } from '../types'

const RealtimeContext = createContext<RealtimeClient | null>(null)
let fallback: RealtimeClient | undefined

/** Props of {@link RealtimeProvider}: a client, or the options to create one. */
export interface RealtimeProviderProps extends RealtimeClientOptions {
  /** Use this client (tests: `createMockRealtimeClient()`); otherwise one is created from the options. */
  client?: RealtimeClient
  children?: ReactNode
}

/**
 * Gives the realtime client to the hooks below it. It opens nothing itself: the socket
 * connects when the first hook subscribes and closes after the last one unmounts. URL and
 * `getToken` default to the surrounding `NselfProvider`'s. Changing `userId` reconnects.
 */
export function RealtimeProvider({ client, children, ...options }: RealtimeProviderProps) {
  const config = useNselfConfig()
  const latest = useRef({ options, config })
  latest.current = { options, config }
  const [own] = useState(
    () =>
      client ??
      createRealtimeClient({
        ...options,
        url: options.url ?? config.urls?.realtime,
        // Read at every (re)connect, so a new token provider applies without a new client.
        getToken: (request) => {
          const { options: o, config: c } = latest.current
          return (o.getToken ?? c.getToken ?? getNselfConfig().getToken)?.(request)
        },
      }),
  )
  const value = client ?? own
  const userId = options.userId
  const first = useRef(true)
  useEffect(() => {
    if (first.current) first.current = false
    else if (userId !== undefined) value.reconnect()
  }, [value, userId])
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>
}

/**
 * The nearest `RealtimeProvider`'s client; without one, a client shared by the whole page and
 * configured by `NselfProvider` (so `useRealtime()` works as the seeds write it).
 */
export function useRealtimeClient(): RealtimeClient {
  const client = useContext(RealtimeContext)
  if (client) return client
  fallback ??= createRealtimeClient()
  return fallback
}
