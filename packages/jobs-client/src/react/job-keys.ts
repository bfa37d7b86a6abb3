import type { JobFilter } from '../job-types'

/**
 * TanStack Query keys of the jobs hooks, for invalidating or prefetching from your own code:
 * `queryClient.invalidateQueries({ queryKey: jobKeys.lists() })`.
 */
export const jobKeys = {
  all: ['nself', 'jobs'] as const,
  lists: () => [...jobKeys.all, 'list'] as const,
  list: (filter: JobFilter = {}) => [...jobKeys.all, 'list', filter] as const,
  details: () => [...jobKeys.all, 'detail'] as const,
  detail: (id: string) => [...jobKeys.all, 'detail', id] as const,
  schedules: () => [...jobKeys.all, 'schedules'] as const,
}
