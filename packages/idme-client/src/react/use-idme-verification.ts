'use client'
import { useStore } from '@nself/client-core/react'
import { useMemo } from 'react'
import {
  createIdmeVerification,
  type IdmeVerification,
  type IdmeVerificationOptions,
  type IdmeVerificationState,
  type VerifyOptions,
} from '../verification'

const shared = new Map<string, IdmeVerification>()

/** One verification per `basePath`, shared by every component that reads it. */
function verificationFor(options: IdmeVerificationOptions): IdmeVerification {
  const key = options.basePath ?? '/api/idme'
  let verification = shared.get(key)
  if (!verification || options.fetch) {
    verification = createIdmeVerification(options)
    if (!options.fetch) shared.set(key, verification)
  }
  return verification
}

/** What {@link useIdmeVerification} returns. */
export interface UseIdmeVerification extends IdmeVerificationState {
  /** Is `group` (an ID.me scope or the plugin's alias) verified? */
  isVerified(group: string): boolean
  /** Sends the browser to ID.me to verify `groups`. */
  verify(groups: readonly string[], options?: VerifyOptions): void
  /** Removes the verification. */
  revoke(): Promise<void>
  /** Reads the status again. */
  refresh(): Promise<void>
}

/**
 * The signed-in user's ID.me verification, read through the app's route handlers
 * (`@nself/idme-client/server`, mounted at `basePath`, default `/api/idme`).
 */
export function useIdmeVerification(options: IdmeVerificationOptions = {}): UseIdmeVerification {
  const { basePath, fetch } = options
  const verification = useMemo(() => verificationFor({ basePath, fetch }), [basePath, fetch])
  const state = useStore(verification)
  return useMemo(
    () => ({
      ...state,
      isVerified: (group: string) => verification.isVerified(group),
      verify: verification.verify,
      revoke: verification.revoke,
      refresh: verification.refresh,
    }),
    [state, verification],
  )
}
