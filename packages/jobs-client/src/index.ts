export type { HealthOptions } from '@nself/client-core'
export { isNselfError, NselfError } from '@nself/client-core'
export { getJobsHealth } from './health'
