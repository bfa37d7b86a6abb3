import { NotificationService } from './notification-service'

let shared: NotificationService | undefined

/**
 * The service the hooks use when given none: one per page, created on first use with the
 * configuration of `NselfProvider` (so the hooks need no provider of their own).
 */
export function getDefaultNotificationService(): NotificationService {
  shared ??= new NotificationService()
  return shared
}
