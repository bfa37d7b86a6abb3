'use client'
import { mergeTypePreferences } from '@nself/contracts/notifications'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { getDefaultNotificationService } from '../default-service'
import { notificationKeys } from '../query-keys'
import type { NotificationPreferences, NotificationPreferencesUpdate } from '../wire'
import type { NotificationHookOptions } from './use-live-inbox'

/** What {@link useNotificationPreferences} returns. */
export interface NotificationPreferencesResult {
  /** The preferences, `undefined` until loaded. */
  preferences: NotificationPreferences | undefined
  /** Saves a change (applied to the cache at once, rolled back on failure). */
  updatePreferences: (update: NotificationPreferencesUpdate) => Promise<NotificationPreferences>
  isLoading: boolean
  /** The load or save error, if any. */
  error: Error | null
}

/** The signed-in user's notification preferences. */
export function useNotificationPreferences(
  options: NotificationHookOptions = {},
): NotificationPreferencesResult {
  const service = options.service ?? getDefaultNotificationService()
  const client = useQueryClient()
  const key = notificationKeys.preferences()
  const query = useQuery({
    queryKey: key,
    queryFn: () => service.getPreferences(),
    enabled: options.enabled !== false,
  })
  const mutation = useMutation({
    mutationFn: (update: NotificationPreferencesUpdate) => service.updatePreferences(update),
    onMutate: async (update) => {
      await client.cancelQueries({ queryKey: key })
      const before = client.getQueryData<NotificationPreferences>(key)
      if (before) {
        const types = mergeTypePreferences(before.types, update.types)
        client.setQueryData(key, { ...before, ...update, types })
      }
      return before
    },
    onError: (_error, _update, before) => client.setQueryData(key, before),
    onSuccess: (saved) => client.setQueryData(key, saved),
  })
  return {
    preferences: query.data,
    updatePreferences: mutation.mutateAsync,
    isLoading: query.isLoading,
    error: mutation.error ?? query.error,
  }
}
