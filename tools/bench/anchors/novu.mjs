// Novu's React hooks (no inbox UI): an in-app feed, its counts and preferences.
export { NovuProvider, useCounts, useNotifications, useNovu, usePreferences } from '@novu/react/hooks'
