'use client'
import type { NselfError } from '@nself/client-core'
import { type UseQueryResult, useQuery } from '@tanstack/react-query'
import type { Schedule } from '../job-types'
import { jobKeys } from './job-keys'
import { useJobQueue } from './use-job-queue'

/** The caller's cron schedules (change them with `useJobQueue().createSchedule` / `deleteSchedule`). */
export function useSchedules(): UseQueryResult<Schedule[], NselfError> {
  const service = useJobQueue()
  return useQuery<Schedule[], NselfError>({
    queryKey: jobKeys.schedules(),
    queryFn: ({ signal }) => service.listSchedules({ signal }),
  })
}
