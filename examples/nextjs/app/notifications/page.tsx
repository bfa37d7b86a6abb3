import type { Metadata } from 'next'
import { Inbox } from './inbox'
import styles from './notifications.module.css'
import { PreferencesForm } from './preferences-form'
import { SendMessage } from './send-message'
import { SignedInOnly } from './signed-in-only'

export const metadata: Metadata = { title: 'Notifications — ɳChat' }

export default function NotificationsPage() {
  return (
    <main className="page">
      <h1>Notifications</h1>
      <SignedInOnly>
        <div className={styles.grid}>
          <Inbox />
          <div>
            <SendMessage />
            <PreferencesForm />
          </div>
        </div>
      </SignedInOnly>
    </main>
  )
}
