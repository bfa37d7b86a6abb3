'use client'
import { NselfProvider } from '@nself/client-core/react'
import type { ReactNode } from 'react'

// The plugin URLs come from the seeds' NEXT_PUBLIC_*_URL variables when set; otherwise the
// SDKs use the local nself-stubs ports in development.
export function Providers({ children }: { children: ReactNode }) {
  return <NselfProvider>{children}</NselfProvider>
}
