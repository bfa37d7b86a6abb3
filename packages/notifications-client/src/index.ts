export type { HealthOptions } from '@nself/client-core'
export { isNselfError, NselfError } from '@nself/client-core'
export { getDefaultNotificationService } from './default-service'
export { getNotificationsHealth } from './health'
export type { InboxAction } from './inbox-logic'
export type { InboxState, InboxStore } from './inbox-store'
export {
  type InboxPageResult,
  type ListInboxOptions,
  type LiveState,
  NotificationService,
  type NotificationServiceOptions,
} from './notification-service'
export { notificationKeys } from './query-keys'
export { type NotificationHookOptions, useLiveInbox } from './react/use-live-inbox'
export {
  type NotificationPreferencesResult,
  useNotificationPreferences,
} from './react/use-notification-preferences'
export {
  type UseNotificationsOptions,
  type UseNotificationsResult,
  useNotifications,
} from './react/use-notifications'
export { useNotificationCounts, useUnreadCount } from './react/use-unread-count'
export { type UseWebPushResult, useWebPush } from './react/use-web-push'
export {
  isWebPushSupported,
  NOTIFICATIONS_SERVICE_WORKER,
  subscribeToPush,
  unsubscribeFromPush,
  type WebPushOptions,
} from './web-push'
export type {
  CamelKeys,
  DeliveryStatus,
  Frequency,
  InboxCounts,
  InboxEvent,
  InboxFilter,
  InboxFilterStatus,
  InboxNotification,
  NotificationDelivery,
  NotificationPreferences,
  NotificationPreferencesUpdate,
  NotificationTemplate,
  PushSubscriptionInfo,
  SendChannel,
  SendNotificationInput,
  SendNotificationResult,
  TypePreferences,
} from './wire'
