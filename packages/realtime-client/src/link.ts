import { backoffDelay, type ErrorCode, getNselfConfig, NselfError, resolveBaseUrl } from '@nself/client-core'
import { io, type Socket } from 'socket.io-client'
import type { ConnectionState, RealtimeClientOptions } from './types'

/** An acknowledgement as it reaches the core: a transport failure, or the server's envelope. */
export type AckCallback = (error: NselfError | null, response?: unknown) => void

/** What the core gets from a link. */
export interface LinkHandlers {
  state(state: ConnectionState): void
  event(event: string, payload: unknown): void
  /** A message from another tab (cross-tab activity for idle detection). */
  peer?(message: unknown): void
}

/**
 * The core's view of the server: a socket in this tab, or the one another tab holds. `emit` is
 * called only while the state is `connected`.
 */
export interface Link {
  open(): void
  close(): void
  reconnect(): void
  emit(event: string, payload: unknown, ack?: AckCallback, timeoutMs?: number): void
  /** Tells the other tabs something (no-op without tab sharing). */
  peer?(message: unknown): void
}

export type LinkFactory = (handlers: LinkHandlers, options: RealtimeClientOptions) => Link

export const initialConnection = (userId: string | null = null): ConnectionState => ({
  status: 'idle',
  attempt: 0,
  nextRetryAt: null,
  lastError: null,
  userId,
  socketId: null,
})

/** The `userId` claim of a JWT, without verifying it (the server does). */
export function tokenUserId(token: string): string | null {
  try {
    const part = atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(part, (c) => c.charCodeAt(0))))
    return typeof claims.userId === 'string' ? claims.userId : null
  } catch {
    return null
  }
}

const on = (target: EventTarget | undefined, type: string, fn: () => void): (() => void) => {
  target?.addEventListener?.(type, fn)
  return () => target?.removeEventListener?.(type, fn)
}

/**
 * A Socket.IO connection owned by this tab. The state machine follows the Manager's reconnect
 * events; `connected` means the server's `connected` event arrived (earlier emits can be lost).
 */
export const socketLink: LinkFactory = (h, o) => {
  let socket: Socket | undefined
  let state = initialConnection(o.userId)
  let refresh = false
  let authRetried = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let cleanups: Array<() => void> = []
  const set = (patch: Partial<ConnectionState>) => {
    state = { ...state, ...patch }
    h.state(state)
  }
  const g = globalThis as unknown as Window & typeof globalThis
  const offline = () => g.navigator?.onLine === false
  const restart = () => {
    clearTimeout(retryTimer)
    socket?.disconnect().connect()
  }

  return {
    open() {
      if (socket) return
      let url: string
      try {
        url = resolveBaseUrl('realtime', o.url)
      } catch (error) {
        set({ status: 'error', lastError: error as NselfError })
        return
      }
      const s = io(url, {
        forceNew: true,
        autoConnect: false,
        transports: ['websocket', 'polling'],
        tryAllTransports: true,
        ...o.socket,
        auth: (cb: (data: object) => void) => {
          const getToken = o.getToken ?? getNselfConfig().getToken
          const extra = {
            ...(o.device && { device: o.device }),
            ...(o.sourceAccountId && { sourceAccountId: o.sourceAccountId }),
          }
          Promise.resolve(getToken?.({ forceRefresh: refresh }))
            .catch(() => null)
            .then((token) => {
              refresh = false
              const userId = token && !o.userId ? tokenUserId(token) : state.userId
              if (userId !== state.userId) set({ userId })
              cb(token ? { ...extra, token } : extra)
            })
        },
      })
      socket = s
      // Socket.IO keeps the delay before its next attempt to itself; read it where it is drawn.
      const backoff = (s.io as unknown as { backoff?: { duration(): number } }).backoff
      const duration = backoff?.duration
      if (backoff && duration)
        backoff.duration = function (this: unknown) {
          const ms = duration.call(this)
          set({ status: offline() ? 'offline' : 'reconnecting', nextRetryAt: Date.now() + ms })
          return ms
        }
      s.on('connected' as never, (p: { socketId: string }) => {
        authRetried = false
        set({ status: 'connected', attempt: 0, nextRetryAt: null, lastError: null, socketId: p.socketId })
      })
      s.onAny((event: string, payload: unknown) => h.event(event, payload))
      s.on('disconnect', (reason) => {
        set({
          status: offline() ? 'offline' : 'reconnecting',
          socketId: null,
          lastError: new NselfError('NETWORK_ERROR', `Disconnected: ${reason}`),
        })
        // The server let us go (shutdown, restart): come back, as after any other drop.
        if (reason === 'io server disconnect')
          retryTimer = setTimeout(() => s.connect(), 1000 * Math.random())
      })
      s.on('connect_error', (error: Error & { data?: { code?: string } }) => {
        if (s.active)
          return set({ lastError: new NselfError('NETWORK_ERROR', error.message, { cause: error }) })
        // Refused by the server's middleware: Socket.IO will not retry on its own.
        const code = (error.data?.code ??
          (error.message === 'Invalid token' ? 'INVALID_TOKEN' : 'UNAUTHENTICATED')) as ErrorCode
        const lastError = new NselfError(code, error.message, { cause: error })
        if (code === 'CONNECTION_LIMIT') {
          // The server is full: back off and try again, as Socket.IO does after a network error.
          const ms = backoffDelay(state.attempt, { baseDelayMs: 1_000, maxDelayMs: 30_000 })
          set({ status: 'reconnecting', lastError, attempt: state.attempt + 1, nextRetryAt: Date.now() + ms })
          retryTimer = setTimeout(() => s.connect(), ms)
        } else if (!authRetried) {
          // Once with a fresh token: it may simply have expired.
          authRetried = refresh = true
          set({ status: 'reconnecting', lastError, attempt: state.attempt + 1 })
          retryTimer = setTimeout(() => s.connect(), 0)
        } else set({ status: 'error', lastError, nextRetryAt: null })
      })
      s.io.on('reconnect_attempt', (attempt) => set({ status: 'reconnecting', attempt, nextRetryAt: null }))
      s.io.on('reconnect_failed', () => set({ status: 'error', nextRetryAt: null }))
      cleanups = [
        on(g, 'offline', () => {
          clearTimeout(retryTimer)
          s.disconnect()
          set({ status: 'offline', socketId: null, nextRetryAt: null })
        }),
        on(g, 'online', restart),
        on(g.document, 'visibilitychange', () => {
          if (g.document.visibilityState === 'visible' && state.status !== 'connected' && !offline())
            restart()
        }),
      ]
      if (offline()) set({ status: 'offline' })
      else {
        set({ status: 'connecting' })
        s.connect()
      }
    },
    close() {
      for (const c of cleanups) c()
      cleanups = []
      clearTimeout(retryTimer)
      socket?.removeAllListeners()
      socket?.io.removeAllListeners()
      socket?.disconnect()
      socket = undefined
      set({ ...initialConnection(state.userId) })
    },
    reconnect() {
      authRetried = false
      if (socket) restart()
      else this.open()
    },
    emit(event, payload, ack, timeoutMs = 10_000) {
      if (!socket) return ack?.(new NselfError('NETWORK_ERROR', 'Not connected'))
      if (!ack) return void socket.emit(event, payload)
      socket.timeout(timeoutMs).emit(event, payload, (error: Error | null, response: unknown) =>
        ack(
          error
            ? new NselfError(socket?.connected ? 'TIMEOUT' : 'NETWORK_ERROR', error.message, {
                retryable: true,
              })
            : null,
          response,
        ),
      )
    },
  }
}
