'use client'
import {
  isNselfError,
  type Job,
  useCancelJob,
  useEnqueueJob,
  useJob,
  useJobQueue,
  useJobs,
  useReviveJob,
} from '@nself/jobs-client'
import { useState } from 'react'
import { useSession } from '../session'
import styles from './jobs.module.css'

const ACTIVE = ['pending', 'active']

function describeError(error: unknown): string {
  return isNselfError(error) ? `${error.code}: ${error.message}` : String(error)
}

/** The demo: schedule a digest and watch it, cancel jobs, watch a flaky job retry and land in the DLQ. */
export function JobsDemo() {
  const { userId } = useSession()
  if (!userId) return <p>Sign in (top right) to run jobs.</p>
  return <SignedIn userId={userId} />
}

function SignedIn({ userId }: { userId: string }) {
  const [watched, setWatched] = useState<string | null>(null)
  const jobs = useJobs({ limit: 20 })
  const list = jobs.data?.jobs ?? []
  return (
    <div className={styles.grid}>
      <section>
        <ScheduleDigest userId={userId} onScheduled={setWatched} />
        <WatchedJob id={watched} />
        <FlakyJob onStarted={setWatched} />
        <Dashboard />
      </section>
      <section>
        <h2>Your jobs</h2>
        {jobs.isPending && <p>Loading…</p>}
        {jobs.error && <p role="alert">{describeError(jobs.error)}</p>}
        {jobs.data && list.length === 0 && <p>No jobs yet.</p>}
        <ul className={styles.list} data-testid="job-list">
          {list.map((job) => (
            <JobRow key={job.id} job={job} onSelect={() => setWatched(job.id)} />
          ))}
        </ul>
        <DeadLetters jobs={list.filter((j) => j.deadLettered)} />
      </section>
    </div>
  )
}

function ScheduleDigest({ userId, onScheduled }: { userId: string; onScheduled: (id: string) => void }) {
  const enqueue = useEnqueueJob<'send-email-digest'>()
  const [frequency, setFrequency] = useState<'hourly' | 'daily' | 'weekly'>('daily')
  const [delay, setDelay] = useState(5)
  return (
    <form
      className={styles.card}
      onSubmit={(e) => {
        e.preventDefault()
        enqueue.mutate(
          {
            type: 'send-email-digest',
            payload: { userId, frequency },
            runAt: new Date(Date.now() + delay * 1000),
          },
          { onSuccess: (job) => onScheduled(job.id) },
        )
      }}
    >
      <h2>Email digest</h2>
      <label>
        Frequency{' '}
        <select value={frequency} onChange={(e) => setFrequency(e.target.value as typeof frequency)}>
          <option value="hourly">hourly</option>
          <option value="daily">daily</option>
          <option value="weekly">weekly</option>
        </select>
      </label>{' '}
      <label>
        in{' '}
        <input
          type="number"
          min={0}
          max={3600}
          value={delay}
          onChange={(e) => setDelay(Number(e.target.value))}
        />{' '}
        s
      </label>{' '}
      <button type="submit" disabled={enqueue.isPending}>
        Schedule digest
      </button>
      {enqueue.error && <p role="alert">{describeError(enqueue.error)}</p>}
    </form>
  )
}

function WatchedJob({ id }: { id: string | null }) {
  const job = useJob(id)
  const cancel = useCancelJob()
  if (!id) return null
  const j = job.data
  return (
    <div className={styles.card} data-testid="watched-job">
      <h2>Watching {j?.type ?? 'job'}</h2>
      {job.error && <p role="alert">{describeError(job.error)}</p>}
      {j && (
        <>
          <p>
            <span className={styles[j.status]} data-testid="watched-status">
              {j.status}
            </span>{' '}
            · attempt {j.attempts}/{j.maxAttempts}
            {j.status === 'pending' && j.scheduledAt > new Date() && (
              <> · due {j.scheduledAt.toLocaleTimeString()}</>
            )}
          </p>
          <progress className={styles.progress} value={j.progress} max={100} aria-label="progress">
            {j.progress}%
          </progress>{' '}
          {j.progress}%{j.error && <p className={styles.failed}>Last error: {j.error}</p>}
          {ACTIVE.includes(j.status) && (
            <button type="button" onClick={() => cancel.mutate(j.id)} disabled={cancel.isPending}>
              Cancel
            </button>
          )}
        </>
      )}
    </div>
  )
}

function FlakyJob({ onStarted }: { onStarted: (id: string) => void }) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const { getToken } = useSession()
  return (
    <div className={styles.card}>
      <h2>A failing job</h2>
      <p>
        Runs a job that fails every attempt: it is retried after 2 s and 8 s (the real plugin&apos;s backoff),
        then lands in the dead-letter queue. Users may only enqueue allow-listed types, so the app&apos;s
        server enqueues it for you with a service token.
      </p>
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true)
          setError(null)
          try {
            const token = await getToken()
            const res = await fetch('/jobs/demo', {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
            })
            const body = (await res.json()) as { id?: string; error?: string }
            if (!res.ok || !body.id) throw new Error(body.error ?? `HTTP ${res.status}`)
            onStarted(body.id)
          } catch (e) {
            setError(describeError(e))
          } finally {
            setBusy(false)
          }
        }}
      >
        Run a failing job
      </button>
      {error && <p role="alert">{error}</p>}
    </div>
  )
}

function JobRow({ job, onSelect }: { job: Job; onSelect: () => void }) {
  const cancel = useCancelJob()
  return (
    <li>
      <button type="button" className={styles.link} onClick={onSelect}>
        {job.type ?? job.queue}
      </button>{' '}
      <span className={styles[job.status]}>{job.status}</span>
      {job.deadLettered && ' (dead-letter queue)'} · {job.attempts}/{job.maxAttempts}{' '}
      <progress value={job.progress} max={100} aria-label={`progress of ${job.id}`} />
      {ACTIVE.includes(job.status) && (
        <button type="button" onClick={() => cancel.mutate(job.id)}>
          Cancel
        </button>
      )}
    </li>
  )
}

function DeadLetters({ jobs }: { jobs: Job[] }) {
  const revive = useReviveJob()
  if (jobs.length === 0) return null
  return (
    <>
      <h2>Dead-letter queue</h2>
      <ul className={styles.list} data-testid="dead-letters">
        {jobs.map((job) => (
          <li key={job.id}>
            {job.type} — {job.error}{' '}
            <button type="button" onClick={() => revive.mutate(job.id)}>
              Revive
            </button>
          </li>
        ))}
      </ul>
    </>
  )
}

function Dashboard() {
  const service = useJobQueue()
  const { getToken } = useSession()
  return (
    <div className={styles.card}>
      <h2>Dashboard</h2>
      <p>
        The jobs plugin&apos;s own dashboard: your jobs, queues and schedules (Bull Board too, with a service
        token).
      </p>
      <a
        href={`${service.http.baseUrl}/dashboard`}
        target="_blank"
        rel="noreferrer"
        onClick={async (e) => {
          // The dashboard takes the token once in its URL and keeps it in an httpOnly cookie.
          e.preventDefault()
          const token = await getToken()
          window.open(
            `${service.http.baseUrl}/dashboard${token ? `?token=${encodeURIComponent(token)}` : ''}`,
            '_blank',
            'noopener',
          )
        }}
      >
        Open the jobs dashboard
      </a>
    </div>
  )
}
