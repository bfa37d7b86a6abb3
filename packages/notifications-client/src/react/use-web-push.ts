'use client'
import { useCallback, useEffect, useState } from 'react'
import { getDefaultNotificationService } from '../default-service'
import { isWebPushSupported, subscribeToPush, unsubscribeFromPush, type WebPushOptions } from '../web-push'
import type { NotificationHookOptions } from './use-live-inbox'

/** What {@link useWebPush} returns. */
export interface UseWebPushResult {
  /** This browser can receive web push (`false` during server rendering). */
  supported: boolean
  /** `Notification.permission` (`default` on the server). */
  permission: NotificationPermission
  /** Whether this browser has a push subscription. */
  subscribed: boolean
  /** Asks permission, subscribes and registers with the server. */
  subscribe: () => Promise<void>
  /** Unsubscribes and removes the subscription from the server. */
  unsubscribe: () => Promise<void>
}

/**
 * Web push for the signed-in user. Serve `NOTIFICATIONS_SERVICE_WORKER` at
 * `serviceWorkerUrl`; when the browser rotates the subscription (`pushsubscriptionchange`),
 * the new one is registered with the server automatically.
 */
export function useWebPush(options: NotificationHookOptions & WebPushOptions = {}): UseWebPushResult {
  const service = options.service ?? getDefaultNotificationService()
  const [supported, setSupported] = useState(false)
  const [permission, setPermission] = useState<NotificationPermission>('default')
  const [subscribed, setSubscribed] = useState(false)
  const url = options.serviceWorkerUrl

  useEffect(() => {
    if (!isWebPushSupported()) return
    setSupported(true)
    setPermission(Notification.permission)
    let live = true
    void navigator.serviceWorker.getRegistration(url).then(async (reg) => {
      const current = await reg?.pushManager.getSubscription()
      if (!live || !current) return
      setSubscribed(true)
      // Re-register on every visit: heals a server that lost it, and follows a rotated key.
      if (options.enabled !== false) await service.registerPushSubscription(current.toJSON()).catch(() => {})
    })
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: string; subscription?: PushSubscriptionJSON } | null
      if (data?.type === 'nself:pushsubscriptionchange' && data.subscription)
        void service.registerPushSubscription(data.subscription).catch(() => {})
    }
    navigator.serviceWorker.addEventListener('message', onMessage)
    return () => {
      live = false
      navigator.serviceWorker.removeEventListener('message', onMessage)
    }
  }, [service, url, options.enabled])

  const subscribe = useCallback(async () => {
    try {
      await subscribeToPush(service, { serviceWorkerUrl: url })
      setSubscribed(true)
    } finally {
      if (isWebPushSupported()) setPermission(Notification.permission)
    }
  }, [service, url])
  const unsubscribe = useCallback(async () => {
    await unsubscribeFromPush(service, { serviceWorkerUrl: url })
    setSubscribed(false)
  }, [service, url])
  return { supported, permission, subscribed, subscribe, unsubscribe }
}
