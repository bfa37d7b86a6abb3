'use client'
import { useNselfConfig } from '@nself/client-core/react'
import { useMemo } from 'react'
import { JobQueueService } from '../job-queue-service'

/** The {@link JobQueueService} of the nearest `NselfProvider` (one per configuration). */
export function useJobQueue(): JobQueueService {
  const config = useNselfConfig()
  return useMemo(() => new JobQueueService(config), [config])
}
