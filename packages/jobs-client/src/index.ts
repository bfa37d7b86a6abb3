export type { HealthOptions } from '@nself/client-core'
export { isNselfError, NselfError } from '@nself/client-core'
export { getJobsHealth } from './health'
export { toCreateBody, toJob } from './job-mapping'
export {
  type CallOptions,
  type JobChange,
  JobQueueService,
  type JobQueueServiceOptions,
  type JobWatch,
  type WatchOptions,
} from './job-queue-service'
export type {
  EnqueueInput,
  Job,
  JobEventType,
  JobFilter,
  JobPage,
  JobStatus,
  JobTypeName,
  JobTypes,
  QueueCounts,
  QueueJobInput,
  Schedule,
  ScheduleInput,
} from './job-types'
export {
  applyJobUpdate,
  jobKeys,
  type LiveOptions,
  useCancelJob,
  useEnqueueJob,
  useJob,
  useJobQueue,
  useJobs,
  useRetryJob,
  useReviveJob,
  useSchedules,
} from './react/index'
