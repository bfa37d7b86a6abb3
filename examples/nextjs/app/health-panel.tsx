'use client'
import { isNselfError } from '@nself/client-core'
import { getFilesHealth } from '@nself/files-client'
import { getIdmeHealth } from '@nself/idme-client'
import { getJobsHealth } from '@nself/jobs-client'
import { getNotificationsHealth } from '@nself/notifications-client'
import { getRealtimeHealth } from '@nself/realtime-client'
import { useEffect, useState } from 'react'

const CHECKS = [
  { name: 'realtime', check: getRealtimeHealth },
  { name: 'notifications', check: getNotificationsHealth },
  { name: 'jobs', check: getJobsHealth },
  { name: 'files', check: getFilesHealth },
  { name: 'idme', check: getIdmeHealth },
] as const

type Result = { state: 'checking' } | { state: 'up'; body: unknown } | { state: 'down'; error: string }

export function HealthPanel() {
  const [results, setResults] = useState<Record<string, Result>>(() =>
    Object.fromEntries(CHECKS.map((c) => [c.name, { state: 'checking' }])),
  )
  useEffect(() => {
    const controller = new AbortController()
    const run = () =>
      CHECKS.forEach(({ name, check }) => {
        check({ signal: controller.signal }).then(
          (body) => setResults((r) => ({ ...r, [name]: { state: 'up', body } })),
          (error: unknown) => {
            if (controller.signal.aborted) return
            const message = isNselfError(error) ? `${error.code}: ${error.message}` : String(error)
            setResults((r) => ({ ...r, [name]: { state: 'down', error: message } }))
          },
        )
      })
    run()
    const timer = setInterval(run, 5_000)
    return () => {
      clearInterval(timer)
      controller.abort()
    }
  }, [])

  return (
    <ul className="health">
      {CHECKS.map(({ name }) => {
        const result = results[name] ?? { state: 'checking' }
        return (
          <li key={name} data-plugin={name} data-state={result.state}>
            <span className={`dot dot-${result.state}`} aria-hidden />
            <strong>{name}</strong>
            <span className="detail">
              {result.state === 'up'
                ? JSON.stringify(result.body)
                : result.state === 'down'
                  ? result.error
                  : 'checking…'}
            </span>
          </li>
        )
      })}
    </ul>
  )
}
