'use client'
import {
  IDME_GROUP_SCOPES,
  IdmeBadge,
  type IdmeGroup,
  idmeGroupLabel,
  useIdmeVerification,
  VerifyWithIdmeButton,
} from '@nself/idme-client'
import { useState } from 'react'
import { useSession } from '../session'
import styles from './settings.module.css'

const MESSAGES: Record<string, string> = {
  IDME_ACCESS_DENIED: 'Verification was cancelled at ID.me, or no group was verified.',
  IDME_STATE_MISMATCH: 'That verification was not started here. Please start again.',
  IDME_STATE_EXPIRED: 'The verification took too long. Please start again.',
  IDME_INVALID_GRANT: 'ID.me did not accept the sign-in. Please start again.',
  NOT_CONFIGURED: 'ID.me is not configured on this server.',
  UNAUTHENTICATED: 'Sign in first (top right).',
}

/** Community verification with ID.me: pick groups, verify, see the badges, remove. */
export function IdmeSettings() {
  const { userId } = useSession()
  if (!userId) return <p>Sign in (top right) to verify your community with ID.me.</p>
  // Keyed by user: another user signing in reads their own verification afresh.
  return <IdmeCard key={userId} />
}

function IdmeCard() {
  const idme = useIdmeVerification()
  const [groups, setGroups] = useState<IdmeGroup[]>(['military'])

  const toggle = (group: IdmeGroup) =>
    setGroups((current) =>
      current.includes(group) ? current.filter((g) => g !== group) : [...current, group],
    )

  return (
    <section className={styles.card} aria-labelledby="idme-heading" data-testid="idme-settings">
      <h2 id="idme-heading">Community verification</h2>
      <p className={styles.muted}>
        Verify with ID.me to get a badge next to your name. In development the stubs play ID.me: pick a test
        identity on its page.
      </p>

      {idme.error && (
        <p role="alert" className={styles.error} data-testid="idme-error" data-code={idme.error.code}>
          {MESSAGES[idme.error.code] ?? idme.error.message}
        </p>
      )}

      <div className={styles.badges} data-testid="idme-status" data-status={idme.status}>
        {idme.status === 'loading' && <span className={styles.muted}>Checking…</span>}
        {idme.status === 'unverified' && <span className={styles.muted}>Not verified yet.</span>}
        {idme.groups.map((group) => (
          <IdmeBadge key={group} group={group} className={styles.badge} data-testid="idme-badge" />
        ))}
      </div>
      {idme.verifiedAt && (
        <p className={styles.muted}>Verified {new Date(idme.verifiedAt).toLocaleString()}</p>
      )}

      <fieldset className={styles.groups}>
        <legend>Groups to verify</legend>
        {IDME_GROUP_SCOPES.map((group) => (
          <label key={group}>
            <input type="checkbox" checked={groups.includes(group)} onChange={() => toggle(group)} />{' '}
            {idmeGroupLabel(group)}
          </label>
        ))}
      </fieldset>

      <div className={styles.actions}>
        <VerifyWithIdmeButton
          groups={groups}
          disabled={groups.length === 0}
          className={styles.primary}
          data-testid="idme-verify"
        />
        {idme.status === 'verified' && (
          <button type="button" onClick={() => void idme.revoke()} data-testid="idme-revoke">
            Remove verification
          </button>
        )}
      </div>
    </section>
  )
}
