import { createStore, NselfError, type ReadableStore, toNselfError } from '@nself/client-core'
import { type IdmeGroup, type IdmeStatus, IdmeStatusSchema, normalizeIdmeGroup } from '@nself/contracts/idme'
import { parseIdmeResult } from './result'

/** Where the verification stands for the signed-in user. */
export type IdmeVerificationStatus = 'loading' | 'verified' | 'unverified' | 'error'

/** The state {@link createIdmeVerification} holds. */
export interface IdmeVerificationState {
  /** `loading` until the first status arrives; `error` when it could not be read. */
  status: IdmeVerificationStatus
  /** The verified groups, by ID.me scope name. */
  groups: readonly IdmeGroup[]
  /** When the verification was made, ISO-8601; `null` when there is none. */
  verifiedAt: string | null
  /** The last failure: of the status read, of `revoke`, or the one the last redirect back reported. */
  error: NselfError | null
}

/** Options of {@link createIdmeVerification}. */
export interface IdmeVerificationOptions {
  /** Where the app mounted `@nself/idme-client/server`'s route handlers. Default `/api/idme`. */
  basePath?: string
  /** `fetch` to use. Default: global `fetch`. */
  fetch?: typeof fetch
}

/** Options of {@link IdmeVerification.verify}. */
export interface VerifyOptions {
  /** Same-origin path to come back to. Default: the current page. */
  returnTo?: string
}

/** The signed-in user's ID.me verification, through the app's own route handlers. */
export interface IdmeVerification extends ReadableStore<IdmeVerificationState> {
  /** Reads the status again. */
  refresh(): Promise<void>
  /** Sends the browser to ID.me (through the app's `start` route) to verify `groups`. */
  verify(groups: readonly string[], options?: VerifyOptions): void
  /** Removes the user's verification. */
  revoke(): Promise<void>
  /** Is `group` (or its alias) verified? */
  isVerified(group: string): boolean
}

const INITIAL: IdmeVerificationState = { status: 'loading', groups: [], verifiedAt: null, error: null }

/**
 * The browser side of the verification: reads `status` from the app's route handlers, sends
 * the browser to `start`, posts `revoke`, and reports the `?idme=…` result of the redirect back
 * (then removes it from the address bar). Holds no token: the flow runs on the server.
 */
export function createIdmeVerification(options: IdmeVerificationOptions = {}): IdmeVerification {
  const base = (options.basePath ?? '/api/idme').replace(/\/+$/, '')
  let controller: AbortController | undefined
  const store = createStore<IdmeVerificationState>(INITIAL, {
    onFirstSubscribe() {
      takeResult()
      void refresh()
    },
    onLastUnsubscribe() {
      controller?.abort()
    },
  })
  const set = (patch: Partial<IdmeVerificationState>) => store.setState((s) => ({ ...s, ...patch }))

  const request = async (path: string, method = 'GET'): Promise<IdmeStatus> => {
    const res = await (options.fetch ?? fetch)(`${base}/${path}`, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      cache: 'no-store',
      ...(controller ? { signal: controller.signal } : {}),
    })
    const body = (await res.json().catch(() => undefined)) as { code?: string; error?: string } | undefined
    if (!res.ok) {
      throw new NselfError(
        body?.code === 'UNAUTHENTICATED' || res.status === 401 ? 'UNAUTHENTICATED' : 'UPSTREAM_ERROR',
        body?.error ?? `HTTP ${res.status}`,
        { status: res.status },
      )
    }
    if (process.env.NODE_ENV !== 'production' && !IdmeStatusSchema.safeParse(body).success) {
      throw new NselfError('INVALID_RESPONSE', `${path}: the response does not match IdmeStatusSchema`)
    }
    return body as unknown as IdmeStatus
  }

  const apply = (s: IdmeStatus) =>
    set({ status: s.verified ? 'verified' : 'unverified', groups: s.groups, verifiedAt: s.verifiedAt })

  const run = async (path: string, method?: string) => {
    controller?.abort()
    controller = new AbortController()
    try {
      apply(await request(path, method))
    } catch (raw) {
      const error = toNselfError(raw)
      if (error.code === 'ABORTED') return
      set(
        error.code === 'UNAUTHENTICATED'
          ? { status: 'unverified', groups: [], verifiedAt: null, error }
          : {
              status: store.getSnapshot().status === 'loading' ? 'error' : store.getSnapshot().status,
              error,
            },
      )
    }
  }

  const refresh = () => run('status')

  // The redirect back from the flow: report it once, and clean the address bar.
  const takeResult = () => {
    if (typeof location === 'undefined') return
    const url = new URL(location.href)
    const result = parseIdmeResult(url.searchParams)
    if (!result) return
    if (!result.ok) set({ error: result.error })
    url.searchParams.delete('idme')
    url.searchParams.delete('code')
    history.replaceState(history.state, '', url.pathname + url.search + url.hash)
  }

  return {
    getSnapshot: store.getSnapshot,
    subscribe: store.subscribe,
    refresh,
    revoke: () => run('revoke', 'POST'),
    verify(groups, verifyOptions = {}) {
      const query = new URLSearchParams({
        groups: groups.join(','),
        returnTo: verifyOptions.returnTo ?? location.pathname + location.search,
      })
      location.assign(`${base}/start?${query}`)
    },
    isVerified(group) {
      const g = normalizeIdmeGroup(group)
      return g !== undefined && store.getSnapshot().groups.includes(g)
    },
  }
}
