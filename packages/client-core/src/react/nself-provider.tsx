'use client'
import { createContext, type ReactNode, useContext, useMemo } from 'react'
import { configureNself, definedOnly, getNselfConfig, type NselfConfig } from '../config'

const NselfContext = createContext<NselfConfig | null>(null)

/** Props of {@link NselfProvider}: the shared configuration plus children. */
export interface NselfProviderProps extends NselfConfig {
  children?: ReactNode
}

/**
 * Configures every nself SDK below it: plugin URLs and the token provider. In the browser it
 * also becomes the default for SDK objects created without options (`new NotificationService()`).
 */
export function NselfProvider({
  children,
  urls,
  getToken,
  fetch,
  retry,
  timeoutMs,
  headers,
  appName,
}: NselfProviderProps) {
  const config = useMemo<NselfConfig>(
    () => definedOnly({ urls, getToken, fetch, retry, timeoutMs, headers, appName }),
    [urls, getToken, fetch, retry, timeoutMs, headers, appName],
  )
  // Set during render, not in an effect: children's effects run before their parent's, and a
  // child must already see the configuration. Never on the server, where it would leak
  // between requests.
  if (typeof window !== 'undefined') configureNself(config)
  return <NselfContext.Provider value={config}>{children}</NselfContext.Provider>
}

/** The nearest `NselfProvider`'s configuration, else the global one. */
export function useNselfConfig(): NselfConfig {
  return useContext(NselfContext) ?? getNselfConfig()
}
