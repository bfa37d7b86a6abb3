import type { Metadata } from 'next'
import { IdmeSettings } from './idme-settings'

export const metadata: Metadata = { title: 'Settings — ɳChat' }

export default function SettingsPage() {
  return (
    <main className="page">
      <h1>Settings</h1>
      <IdmeSettings />
    </main>
  )
}
