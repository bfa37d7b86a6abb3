'use client'
import Link from 'next/link'
import { usePathname } from 'next/navigation'
import { type FormEvent, useState } from 'react'
import { NotificationBell } from './notifications/notification-bell'
import { useSession } from './session'

const LINKS = [
  { href: '/', label: 'Status' },
  { href: '/channels', label: 'Channels' },
  { href: '/notifications', label: 'Notifications' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/files', label: 'Files' },
  { href: '/settings', label: 'Settings' },
]

export function Nav() {
  const pathname = usePathname()
  return (
    <nav className="nav" aria-label="Main">
      <strong className="brand">ɳChat</strong>
      {LINKS.map((l) => (
        <Link key={l.href} href={l.href} aria-current={pathname === l.href ? 'page' : undefined}>
          {l.label}
        </Link>
      ))}
      <NotificationBell />
      <SignIn />
    </nav>
  )
}

function SignIn() {
  const { userId, signIn, signOut } = useSession()
  const [name, setName] = useState('alice')
  if (userId) {
    return (
      <span className="signin" data-testid="signed-in">
        Signed in as <strong>{userId}</strong>{' '}
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </span>
    )
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (/^[a-z0-9_-]{1,40}$/i.test(name)) signIn(name)
  }
  return (
    <form className="signin" onSubmit={submit}>
      <label>
        Development user{' '}
        <input value={name} onChange={(e) => setName(e.target.value)} name="user" size={10} />
      </label>
      <button type="submit">Sign in</button>
    </form>
  )
}
