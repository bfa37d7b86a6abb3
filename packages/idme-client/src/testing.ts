// msw handlers for the routes `@nself/idme-client/server` mounts, so an app's tests (and its
// components' tests) run without ID.me or the stub. Typed by the contract.
import { IDME_GROUP_SCOPES, type IdmeGroup, type IdmeStatus } from '@nself/contracts/idme'
import { HttpResponse, http } from 'msw'

/** Options of {@link createIdmeHandlers}. */
export interface IdmeHandlersOptions {
  /** Where the app mounts the route handlers (default `/api/idme`). */
  basePath?: string
  /** Groups verified at the start (default none). */
  groups?: readonly IdmeGroup[]
  /** `false` answers every route 401, as for a signed-out user (default `true`). */
  signedIn?: boolean
}

/** A status with `groups` verified (`[]`: unverified). */
export function idmeStatusFixture(
  groups: readonly IdmeGroup[] = [],
  verifiedAt = '2025-01-01T00:00:00.000Z',
): IdmeStatus {
  return {
    verified: groups.length > 0,
    groups: [...groups],
    status: groups.map((group) => ({
      group,
      subgroups: group === 'military' ? ['veteran'] : [],
      verified: true,
    })),
    verifiedAt: groups.length > 0 ? verifiedAt : null,
  }
}

/**
 * msw handlers for `GET <basePath>/status` and `POST <basePath>/revoke` (any origin), over
 * a mutable status: `setGroups` changes it, `requests` counts the calls.
 */
export function createIdmeHandlers(options: IdmeHandlersOptions = {}) {
  const base = (options.basePath ?? '/api/idme').replace(/\/+$/, '')
  const state = { status: idmeStatusFixture(options.groups), signedIn: options.signedIn ?? true }
  const requests = { status: 0, revoke: 0 }
  const unauthenticated = () =>
    HttpResponse.json({ error: 'Sign in first', code: 'UNAUTHENTICATED' }, { status: 401 })
  const handlers = [
    http.get(`*${base}/status`, () => {
      requests.status++
      return state.signedIn ? HttpResponse.json<IdmeStatus>(state.status) : unauthenticated()
    }),
    http.post(`*${base}/revoke`, () => {
      requests.revoke++
      if (!state.signedIn) return unauthenticated()
      state.status = idmeStatusFixture([])
      return HttpResponse.json<IdmeStatus>(state.status)
    }),
  ]
  return {
    handlers,
    requests,
    /** Replaces the verified groups (every group listed must be an ID.me scope). */
    setGroups(groups: readonly IdmeGroup[]) {
      for (const g of groups)
        if (!IDME_GROUP_SCOPES.includes(g)) throw new TypeError(`not an ID.me group: ${g}`)
      state.status = idmeStatusFixture(groups)
    },
    /** Signs the mock user in or out. */
    setSignedIn(signedIn: boolean) {
      state.signedIn = signedIn
    },
    /** The current status. */
    get status(): IdmeStatus {
      return state.status
    },
  }
}
