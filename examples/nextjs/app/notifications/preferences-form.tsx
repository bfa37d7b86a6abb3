'use client'
import {
  type Frequency,
  type NotificationPreferencesUpdate,
  type SendChannel,
  useNotificationPreferences,
  useWebPush,
} from '@nself/notifications-client'
import styles from './notifications.module.css'
import { useNotificationService } from './use-notification-service'

const CHANNELS: Array<{ channel: SendChannel; label: string }> = [
  { channel: 'in_app', label: 'In-app' },
  { channel: 'push', label: 'Push' },
  { channel: 'email', label: 'Email' },
  { channel: 'sms', label: 'SMS' },
]
const TYPES = ['message', 'mention'] as const
const FREQUENCIES: Frequency[] = ['immediate', 'hourly', 'daily', 'weekly', 'disabled']
const GLOBAL_KEYS = {
  in_app: 'inAppEnabled',
  push: 'pushEnabled',
  email: 'emailEnabled',
  sms: 'smsEnabled',
} as const

/** Channels on/off, per type × channel, frequency, quiet hours with a time zone, and web push. */
export function PreferencesForm() {
  const { service, userId } = useNotificationService()
  const { preferences, updatePreferences, error } = useNotificationPreferences({
    service,
    enabled: userId !== null,
  })
  if (!preferences) return <p className={styles.muted}>Loading preferences…</p>
  const save = (update: NotificationPreferencesUpdate) => void updatePreferences(update).catch(() => {})

  return (
    <section aria-labelledby="prefs-heading">
      <h2 id="prefs-heading">Preferences</h2>
      {error && (
        <p role="alert" className={styles.error}>
          {error.message}
        </p>
      )}
      <table className={styles.table}>
        <thead>
          <tr>
            <th scope="col">Type</th>
            {CHANNELS.map((c) => (
              <th key={c.channel} scope="col">
                {c.label}
              </th>
            ))}
            <th scope="col">Frequency</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">All</th>
            {CHANNELS.map(({ channel }) => (
              <td key={channel}>
                <input
                  type="checkbox"
                  aria-label={`${channel} for everything`}
                  checked={preferences[GLOBAL_KEYS[channel]]}
                  onChange={(e) => save({ [GLOBAL_KEYS[channel]]: e.target.checked })}
                />
              </td>
            ))}
            <td>
              <select
                value={preferences.frequency}
                aria-label="default frequency"
                onChange={(e) => save({ frequency: e.target.value as Frequency })}
              >
                {FREQUENCIES.map((f) => (
                  <option key={f}>{f}</option>
                ))}
              </select>
            </td>
          </tr>
          {TYPES.map((type) => {
            const typePrefs = preferences.types[type] ?? {}
            return (
              <tr key={type}>
                <th scope="row">{type}</th>
                {CHANNELS.map(({ channel }) => (
                  <td key={channel}>
                    <input
                      type="checkbox"
                      aria-label={`${channel} for ${type}`}
                      checked={typePrefs.channels?.[channel] ?? preferences[GLOBAL_KEYS[channel]]}
                      onChange={(e) =>
                        save({ types: { [type]: { channels: { [channel]: e.target.checked } } } })
                      }
                    />
                  </td>
                ))}
                <td>
                  <select
                    aria-label={`${type} frequency`}
                    value={typePrefs.frequency ?? preferences.frequency}
                    onChange={(e) => save({ types: { [type]: { frequency: e.target.value as Frequency } } })}
                  >
                    {FREQUENCIES.map((f) => (
                      <option key={f}>{f}</option>
                    ))}
                  </select>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <form
        className={styles.form}
        onSubmit={(e) => {
          e.preventDefault()
          const data = new FormData(e.currentTarget)
          const start = String(data.get('quietStart') ?? '')
          const end = String(data.get('quietEnd') ?? '')
          save({
            quietStart: start || null,
            quietEnd: end || null,
            timezone: String(data.get('timezone') || 'UTC'),
          })
        }}
      >
        <label>
          Quiet from <input type="time" name="quietStart" defaultValue={preferences.quietStart ?? ''} />
        </label>
        <label>
          to <input type="time" name="quietEnd" defaultValue={preferences.quietEnd ?? ''} />
        </label>
        <label>
          time zone <input name="timezone" defaultValue={preferences.timezone} size={16} />
        </label>
        <button type="submit">Save quiet hours</button>
      </form>
      <PushToggle />
    </section>
  )
}

function PushToggle() {
  const { service } = useNotificationService()
  const push = useWebPush({ service, serviceWorkerUrl: '/notifications/sw.js' })
  if (!push.supported) return <p className={styles.muted}>Web push is not available in this browser.</p>
  return (
    <p>
      Web push: {push.subscribed ? 'on' : 'off'} (permission {push.permission}){' '}
      <button
        type="button"
        onClick={() => void (push.subscribed ? push.unsubscribe() : push.subscribe()).catch(() => {})}
      >
        {push.subscribed ? 'Turn off' : 'Turn on'}
      </button>
    </p>
  )
}
