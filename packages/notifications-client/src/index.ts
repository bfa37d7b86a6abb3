export type { HealthOptions } from '@nself/client-core'
export { isNselfError, NselfError } from '@nself/client-core'
export { getNotificationsHealth } from './health'
