'use client'
import type { NselfError } from '@nself/client-core'
import { type UseMutationResult, useMutation, useQueryClient } from '@tanstack/react-query'
import type { EnqueueInput, Job, JobTypeName, JobTypes, QueueJobInput } from '../job-types'
import { jobKeys } from './job-keys'
import { applyJobUpdate } from './use-job'
import { useJobQueue } from './use-job-queue'

/** Enqueues (or schedules, with `runAt`) a job; the new job lands in the cache. */
export function useEnqueueJob<T extends JobTypeName = JobTypeName>(): UseMutationResult<
  Job<JobTypes[T]>,
  NselfError,
  EnqueueInput<T> | QueueJobInput
> {
  const service = useJobQueue()
  const client = useQueryClient()
  return useMutation({
    mutationFn: (input: EnqueueInput<T> | QueueJobInput) => service.enqueue(input as EnqueueInput<T>),
    onSuccess: (job) => {
      client.setQueryData(jobKeys.detail(job.id), job)
      void client.invalidateQueries({ queryKey: jobKeys.lists() })
    },
  })
}

function useJobAction(action: 'cancel' | 'retry' | 'revive'): UseMutationResult<Job, NselfError, string> {
  const service = useJobQueue()
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => service[action](id),
    onSuccess: (job) => applyJobUpdate(client, job),
  })
}

/** Cancels a job by id: a pending one never runs, a running one's handler is aborted. */
export function useCancelJob(): UseMutationResult<Job, NselfError, string> {
  return useJobAction('cancel')
}

/** Runs a failed job again by id (attempts reset). */
export function useRetryJob(): UseMutationResult<Job, NselfError, string> {
  return useJobAction('retry')
}

/** Takes a job out of the dead-letter queue by id and runs it again. */
export function useReviveJob(): UseMutationResult<Job, NselfError, string> {
  return useJobAction('revive')
}
