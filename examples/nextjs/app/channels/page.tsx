import type { Metadata } from 'next'
import { Channels } from './channels'

export const metadata: Metadata = { title: 'Channels — ɳChat' }

export default function ChannelsPage() {
  return (
    <main className="page">
      <h1>Channels</h1>
      <Channels />
    </main>
  )
}
