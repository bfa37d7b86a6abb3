// A server component: imports the React-free core of the client packages (no 'use client'
// needed), and renders a client component that uses their hooks.
import { isNselfError, NselfError } from '@nself/client-core'
import { getJobsHealth } from '@nself/jobs-client'
import { ClientPanel } from './client-panel'

export const dynamic = 'force-dynamic'

export default async function Page() {
  let jobs = 'unreachable'
  try {
    jobs = (await getJobsHealth({ timeoutMs: 500 })).status
  } catch (error) {
    jobs = isNselfError(error) ? error.code : 'unknown error'
  }
  return (
    <main>
      <p id="server">jobs: {jobs}</p>
      <p>{new NselfError('NOT_FOUND', 'demo').code}</p>
      <ClientPanel />
    </main>
  )
}
