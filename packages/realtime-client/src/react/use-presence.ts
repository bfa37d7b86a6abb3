'use client'
import { useStore } from '@nself/client-core/react'
import { useEffect } from 'react'
import type { Presence } from '../types'
import { useRealtimeClient } from './realtime-provider'

/**
 * One user's presence (kept fresh with `presence:get` after every reconnect), or a selection
 * over everyone's. A component re-renders only when what it reads changes: a status change of
 * one user re-renders the components reading that user, no others.
 */
export function usePresence(userId: string | null | undefined): Presence | undefined
export function usePresence<T>(
  selector: (presence: Readonly<Record<string, Presence>>) => T,
  isEqual?: (a: T, b: T) => boolean,
): T
export function usePresence<T>(
  arg: string | null | undefined | ((presence: Readonly<Record<string, Presence>>) => T),
  isEqual?: (a: T, b: T) => boolean,
): T | Presence | undefined {
  const client = useRealtimeClient()
  const id = typeof arg === 'function' ? null : arg
  useEffect(() => (id ? client.watchPresence([id]) : undefined), [client, id])
  return useStore(
    client,
    (s) => (typeof arg === 'function' ? arg(s.presence) : id ? s.presence[id] : undefined),
    isEqual as ((a: unknown, b: unknown) => boolean) | undefined,
  ) as T | Presence | undefined
}
