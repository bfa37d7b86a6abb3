import { NselfError } from '@nself/client-core'
import type { NotificationService } from './notification-service'
import { fromBase64Url } from './wire'

/**
 * The service worker an app serves for web push (e.g. at `/nself-notifications-sw.js`): shows
 * each push as a system notification, focuses or opens `data.url` on click, and on
 * `pushsubscriptionchange` re-subscribes and tells the open pages, which register the new
 * subscription with the server (`useWebPush` does).
 */
export const NOTIFICATIONS_SERVICE_WORKER = `self.addEventListener('push',e=>{let d;try{d=e.data.json()}catch{d={title:e.data&&e.data.text()}}e.waitUntil(self.registration.showNotification(d.title||'Notification',{body:d.body||'',tag:d.id,data:d}))});
self.addEventListener('notificationclick',e=>{e.notification.close();const u=e.notification.data?.data?.url||'/';e.waitUntil(clients.matchAll({type:'window'}).then(l=>{for(const c of l)if(new URL(c.url).pathname===u&&'focus'in c)return c.focus();return clients.openWindow(u)}))});
self.addEventListener('pushsubscriptionchange',e=>{e.waitUntil((async()=>{const o=e.oldSubscription?.options,s=e.newSubscription||(o&&await self.registration.pushManager.subscribe(o));if(s)for(const c of await clients.matchAll({type:'window',includeUncontrolled:true}))c.postMessage({type:'nself:pushsubscriptionchange',subscription:s.toJSON()})})())});`

/** Whether this browser can receive web push (false on the server). */
export function isWebPushSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window
  )
}

/** Options of {@link subscribeToPush}. */
export interface WebPushOptions {
  /** Where the app serves {@link NOTIFICATIONS_SERVICE_WORKER}. Default `/nself-notifications-sw.js`. */
  serviceWorkerUrl?: string
}

async function registration(options: WebPushOptions): Promise<ServiceWorkerRegistration> {
  if (!isWebPushSupported()) throw new NselfError('NOT_CONFIGURED', 'Web push is not supported here')
  await navigator.serviceWorker.register(options.serviceWorkerUrl ?? '/nself-notifications-sw.js')
  return navigator.serviceWorker.ready
}

/**
 * Asks for permission, subscribes with the server's VAPID key and registers the subscription
 * for the signed-in user. Rejects with `FORBIDDEN` when permission is refused.
 */
export async function subscribeToPush(
  service: NotificationService,
  options: WebPushOptions = {},
): Promise<PushSubscription> {
  const reg = await registration(options)
  if ((await Notification.requestPermission()) !== 'granted')
    throw new NselfError('FORBIDDEN', 'Notification permission was not granted')
  const key = await service.getVapidPublicKey()
  const subscription =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: decodeKey(key) }))
  await service.registerPushSubscription(subscription.toJSON())
  return subscription
}

/** Unsubscribes this browser and removes its subscription from the server. */
export async function unsubscribeFromPush(
  service: NotificationService,
  options: WebPushOptions = {},
): Promise<void> {
  const subscription = await (await registration(options)).pushManager.getSubscription()
  if (!subscription) return
  for (const stored of await service.listPushSubscriptions())
    if (stored.endpoint === subscription.endpoint) await service.deletePushSubscription(stored.id)
  await subscription.unsubscribe()
}

function decodeKey(base64url: string): Uint8Array<ArrayBuffer> {
  const raw = fromBase64Url(base64url)
  const bytes = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i)
  return bytes
}
