'use client'
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react'

const COOKIE = 'nself_dev_user'

/** The example's development session: who is signed in, and their access token. */
export interface Session {
  /** The signed-in development user, or `null`. */
  userId: string | null
  /** The current access token (cached; refreshed when asked or near expiry). */
  getToken(options?: { forceRefresh?: boolean }): Promise<string | null>
  signIn(userId: string): void
  signOut(): void
}

const SessionContext = createContext<Session | null>(null)

function readCookie(): string | null {
  const match = document.cookie.match(/(?:^|; )nself_dev_user=([^;]*)/)
  return match?.[1] ? decodeURIComponent(match[1]) : null
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [userId, setUserId] = useState<string | null>(null)
  const cache = useRef<{ token: string; expiresAt: number; userId: string } | null>(null)

  useEffect(() => setUserId(readCookie()), [])

  const getToken = useCallback(async ({ forceRefresh = false } = {}) => {
    const current = readCookie()
    if (!current) return null
    const cached = cache.current
    if (!forceRefresh && cached && cached.userId === current && cached.expiresAt - Date.now() > 60_000) {
      return cached.token
    }
    const res = await fetch('/api/session/token', { cache: 'no-store' })
    if (!res.ok) return null
    const body = (await res.json()) as { token: string; expiresAt: number; userId: string }
    cache.current = body
    return body.token
  }, [])

  const signIn = useCallback((id: string) => {
    // biome-ignore lint/suspicious/noDocumentCookie: a plain development cookie the route handlers read; Cookie Store API is not in every browser
    document.cookie = `${COOKIE}=${encodeURIComponent(id)}; path=/; samesite=lax`
    cache.current = null
    setUserId(id)
  }, [])

  const signOut = useCallback(() => {
    // biome-ignore lint/suspicious/noDocumentCookie: see signIn
    document.cookie = `${COOKIE}=; path=/; max-age=0`
    cache.current = null
    setUserId(null)
  }, [])

  const value = useMemo(() => ({ userId, getToken, signIn, signOut }), [userId, getToken, signIn, signOut])
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession must be used inside <SessionProvider>')
  return session
}
