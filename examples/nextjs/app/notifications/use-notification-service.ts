'use client'
import { NotificationService, notificationKeys } from '@nself/notifications-client'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef } from 'react'
import { useSession } from '../session'

// One service per signed-in user, shared by the bell and the page: its live stream is that
// user's (and the SDK shares it with the browser's other tabs).
const services = new Map<string, NotificationService>()

/**
 * The signed-in user's NotificationService; the notifications cache is dropped when the user
 * changes, so nobody sees the previous user's inbox.
 */
export function useNotificationService(): { service: NotificationService; userId: string | null } {
  const { userId } = useSession()
  const client = useQueryClient()
  const previous = useRef(userId)
  useEffect(() => {
    if (previous.current === userId) return
    previous.current = userId
    client.removeQueries({ queryKey: notificationKeys.all })
  }, [client, userId])
  const key = userId ?? ''
  let service = services.get(key)
  if (!service) {
    service = new NotificationService()
    services.set(key, service)
  }
  return { service, userId }
}
