import type { Metadata } from 'next'
import { JobsDemo } from './jobs-demo'

export const metadata: Metadata = { title: 'Jobs — ɳChat' }

export default function JobsPage() {
  return (
    <main className="page">
      <h1>Background jobs</h1>
      <p>
        Jobs run on the jobs plugin (<code>nself-stubs</code>: in memory, or on BullMQ when{' '}
        <code>REDIS_URL</code> is set). Their status and progress arrive here live over server-sent events.
      </p>
      <JobsDemo />
    </main>
  )
}
