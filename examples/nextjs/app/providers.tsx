'use client'
import { NselfProvider } from '@nself/client-core/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { type ReactNode, useState } from 'react'
import { SessionProvider, useSession } from './session'

// The plugin URLs come from the seeds' NEXT_PUBLIC_*_URL variables when set; otherwise the
// SDKs use the local nself-stubs ports in development.
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 10_000 } } }),
  )
  return (
    <SessionProvider>
      <QueryClientProvider client={queryClient}>
        <SdkProviders>{children}</SdkProviders>
      </QueryClientProvider>
    </SessionProvider>
  )
}

function SdkProviders({ children }: { children: ReactNode }) {
  const { getToken } = useSession()
  return <NselfProvider getToken={getToken}>{children}</NselfProvider>
}
