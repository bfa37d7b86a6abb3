'use client'
import type { ReactNode } from 'react'
import { useSession } from '../session'

/** Renders its children only for a signed-in user (the inbox is per user). */
export function SignedInOnly({ children }: { children: ReactNode }) {
  const { userId } = useSession()
  if (!userId) return <p>Sign in (top right) to see your notifications.</p>
  return <>{children}</>
}
