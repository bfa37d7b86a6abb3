// Knock's headless React layer (@knocklabs/react-core, what @knocklabs/react builds on): an in-app feed,
// its unread count and preferences.
export {
  KnockFeedProvider,
  KnockProvider,
  useKnockClient,
  useKnockFeed,
  useNotificationStore,
  useNotifications,
  usePreferences,
} from '@knocklabs/react-core'
