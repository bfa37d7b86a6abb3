import { NselfProvider } from '@nself/client-core/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { setupServer } from 'msw/node'
import type { ReactNode } from 'react'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFakeJobs } from '../testing'
import { jobKeys, useCancelJob, useEnqueueJob, useJob, useJobs, useSchedules } from './index'

const BASE = 'http://jobs.test'
// Digests take 4 s on the fake clock; "flaky" jobs fail every attempt.
const fake = createFakeJobs({
  baseUrl: BASE,
  plan: (job) =>
    job.type === 'simulate'
      ? { durationMs: 1000, fail: true, error: 'flaky' }
      : { durationMs: 4000, steps: 4, result: { sent: true } },
})
const server = setupServer(...fake.handlers)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
})
afterAll(() => server.close())

function wrapper(client: QueryClient) {
  return ({ children }: { children: ReactNode }) => (
    <NselfProvider urls={{ jobs: BASE }} getToken={() => 'token'} retry={false}>
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </NselfProvider>
  )
}

function Digest() {
  const enqueue = useEnqueueJob<'send-email-digest'>()
  const cancel = useCancelJob()
  const job = useJob(enqueue.data?.id)
  return (
    <div>
      <button
        type="button"
        onClick={() =>
          enqueue.mutate({
            type: 'send-email-digest',
            payload: { userId: 'alice', frequency: 'daily' },
            runAt: new Date(fake.now() + 1000),
          })
        }
      >
        schedule
      </button>
      {job.data && (
        <>
          <output data-testid="status">{job.data.status}</output>
          <progress data-testid="progress" value={job.data.progress} max={100} />
          <button type="button" onClick={() => cancel.mutate(job.data.id)}>
            cancel
          </button>
        </>
      )}
    </div>
  )
}

describe('useJob, useEnqueueJob, useCancelJob', () => {
  it('shows a scheduled job going live: pending, active with progress, completed', async () => {
    const client = new QueryClient()
    render(<Digest />, { wrapper: wrapper(client) })
    fireEvent.click(screen.getByText('schedule'))
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('pending'))
    await act(() => fake.advance(1000))
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('active'))
    await act(() => fake.advance(2000))
    await waitFor(() => expect(screen.getByTestId('progress').getAttribute('value')).toBe('50'))
    await act(() => fake.advance(2000))
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('completed'))
    const id = fake.jobs().at(-1)?.id ?? ''
    expect(client.getQueryData(jobKeys.detail(id))).toMatchObject({
      status: 'completed',
      progress: 100,
      result: { sent: true },
    })
  })

  it('cancels a job', async () => {
    render(<Digest />, { wrapper: wrapper(new QueryClient()) })
    fireEvent.click(screen.getByText('schedule'))
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('pending'))
    fireEvent.click(screen.getByText('cancel'))
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('cancelled'))
  })
})

describe('useJobs and useSchedules', () => {
  it('keeps a list current: a failing job retries with backoff and lands in the dead-letter queue', async () => {
    function Failing() {
      const list = useJobs({ type: 'simulate' })
      const schedules = useSchedules()
      const job = list.data?.jobs[0]
      return (
        <div>
          <span data-testid="row">
            {job ? `${job.status} ${job.attempts} ${job.deadLettered ? 'dlq' : ''}`.trim() : 'none'}
          </span>
          <span data-testid="schedules">{schedules.data?.length ?? '-'}</span>
        </div>
      )
    }
    render(<Failing />, { wrapper: wrapper(new QueryClient()) })
    await waitFor(() => expect(screen.getByTestId('row').textContent).toBe('none'))
    await waitFor(() => expect(screen.getByTestId('schedules').textContent).toBe('0'))
    await act(async () => {
      fake.add({ type: 'simulate', max_attempts: 2 })
      await fake.advance(0)
    })
    await waitFor(() => expect(screen.getByTestId('row').textContent).toBe('active 1'))
    await act(() => fake.advance(1000))
    await waitFor(() => expect(screen.getByTestId('row').textContent).toBe('pending 1'))
    await act(() => fake.advance(2000)) // the real plugin's first backoff
    await act(() => fake.advance(1000))
    await waitFor(() => expect(screen.getByTestId('row').textContent).toBe('failed 2 dlq'))
  })
})
