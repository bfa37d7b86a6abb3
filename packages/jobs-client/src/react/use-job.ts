'use client'
import type { NselfError } from '@nself/client-core'
import { type QueryClient, type UseQueryResult, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import type { Job, JobFilter, JobPage } from '../job-types'
import { jobKeys } from './job-keys'
import { useJobQueue } from './use-job-queue'

/** Options of {@link useJob} and {@link useJobs}. */
export interface LiveOptions {
  /** Keep the data current with server-sent events (polling when unavailable). Default `true`. */
  live?: boolean
}

/** Puts a changed job into the cache: its detail entry and every list that shows it. */
export function applyJobUpdate(client: QueryClient, job: Job): void {
  client.setQueryData(jobKeys.detail(job.id), job)
  client.setQueriesData<JobPage>({ queryKey: jobKeys.lists() }, (page) =>
    page?.jobs.some((j) => j.id === job.id)
      ? { ...page, jobs: page.jobs.map((j) => (j.id === job.id ? job : j)) }
      : page,
  )
}

/**
 * One job, live: status, progress, attempts and error update as they happen (server-sent
 * events, or polling with backoff where the server has none).
 */
export function useJob(
  id: string | null | undefined,
  options: LiveOptions = {},
): UseQueryResult<Job, NselfError> {
  const service = useJobQueue()
  const client = useQueryClient()
  const live = options.live !== false
  useEffect(() => {
    if (!id || !live) return
    const watch = service.watch(id, { untilDone: false, onUpdate: (job) => applyJobUpdate(client, job) })
    return () => watch.close()
  }, [id, live, service, client])
  return useQuery<Job, NselfError>({
    queryKey: jobKeys.detail(id ?? ''),
    queryFn: ({ signal }) => service.get(id as string, { signal }),
    enabled: Boolean(id),
  })
}

/** The caller's jobs (newest first), kept current by the server's job events. */
export function useJobs(
  filter: JobFilter = {},
  options: LiveOptions = {},
): UseQueryResult<JobPage, NselfError> {
  const service = useJobQueue()
  const client = useQueryClient()
  const live = options.live !== false
  useEffect(() => {
    if (!live) return
    return service.subscribe(({ event, job }) => {
      applyJobUpdate(client, job)
      // New, deleted or differently filtered jobs change which rows a list holds.
      if (event !== 'job.progress') void client.invalidateQueries({ queryKey: jobKeys.lists() })
    })
  }, [live, service, client])
  return useQuery<JobPage, NselfError>({
    queryKey: jobKeys.list(filter),
    queryFn: ({ signal }) => service.list(filter, { signal }),
  })
}
