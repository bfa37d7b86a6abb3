/**
 * The jobs plugin's HTTP API (port 3105), as `reference/WIRE.md` gives it: the Go rewrite's
 * `/v1/...` routes with snake_case fields. Additions are marked `extension`. Plain constants
 * (states, backoff, event names) live in the zod-free `jobs/jobs-constants`.
 */
export * from './jobs/job-types'
export * from './jobs/jobs-api'
export * from './jobs/jobs-constants'
