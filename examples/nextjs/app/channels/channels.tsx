'use client'
import { RealtimeProvider, useRoom } from '@nself/realtime-client'
import { useState } from 'react'
import { useSession } from '../session'
import styles from './channels.module.css'
import { Composer } from './composer'
import { ConnectionBanner } from './connection-banner'
import { MessageList } from './message-list'
import { PresenceAvatar } from './presence-avatar'
import { StatusPicker } from './status-picker'
import { TypingLine } from './typing-line'

const CHANNELS = ['general', 'random', 'design']

/**
 * The channel page: one realtime connection (shared by every tab of this origin), the
 * channel list, and the selected channel's members, live messages, typing line and composer.
 */
export function Channels() {
  const { userId, getToken } = useSession()
  const [channel, setChannel] = useState(CHANNELS[0] ?? 'general')
  if (!userId) return <p>Sign in (top right) to chat.</p>
  return (
    // `userId` changes reconnect with the new user's token; the URL comes from NselfProvider,
    // NEXT_PUBLIC_REALTIME_URL, or (in development) nself-stubs on port 3101.
    <RealtimeProvider userId={userId} getToken={getToken}>
      <ConnectionBanner />
      <div className={styles.layout}>
        <aside className={styles.sidebar}>
          <h2>Channels</h2>
          <ul className={styles.channels}>
            {CHANNELS.map((c) => (
              <li key={c}>
                <button
                  type="button"
                  aria-current={c === channel ? 'true' : undefined}
                  onClick={() => setChannel(c)}
                >
                  # {c}
                </button>
              </li>
            ))}
          </ul>
          <StatusPicker userId={userId} />
        </aside>
        <ChannelView channel={channel} />
      </div>
    </RealtimeProvider>
  )
}

function ChannelView({ channel }: { channel: string }) {
  const room = useRoom(channel)
  return (
    <section className={styles.channel} aria-label={`#${channel}`}>
      <header className={styles.header}>
        <h2># {channel}</h2>
        <ul className={styles.members} aria-label="Members">
          {room.members.map((id) => (
            <li key={id}>
              <PresenceAvatar userId={id} />
            </li>
          ))}
        </ul>
      </header>
      {room.status === 'error' ? (
        <p role="alert">Could not join: {room.error?.message}</p>
      ) : (
        <MessageList messages={room.messages} />
      )}
      <TypingLine channel={channel} />
      <Composer channel={channel} send={room.send} />
    </section>
  )
}
