import type { IdmeGroup, IdmeGroupStatus } from '@nself/contracts/idme'

/** A verification as the route handlers store it. No OAuth token is ever kept. */
export interface StoredIdmeVerification {
  /** The app user it belongs to (from `getUserId`). */
  userId: string
  /** ID.me's id of the person (`uuid` attribute). */
  idmeUserId: string
  /** At least one requested group is verified. */
  verified: boolean
  /** The verified groups among those requested. */
  groups: IdmeGroup[]
  /** Per group, as ID.me reported it. */
  status: IdmeGroupStatus[]
  /** Attributes ID.me released, by handle (`fname`, `email`, `uuid` …). */
  attributes: Record<string, string>
  /** ISO-8601. */
  verifiedAt: string
}

/** Where the route handlers keep verifications: implement it over your database. */
export interface IdmeVerificationStore {
  get(
    userId: string,
  ): Promise<StoredIdmeVerification | null | undefined> | StoredIdmeVerification | null | undefined
  set(userId: string, verification: StoredIdmeVerification): Promise<void> | void
  delete(userId: string): Promise<void> | void
}

/** An in-memory store (a `Map`): for development and tests; lost on restart. */
export function createMemoryVerificationStore(): IdmeVerificationStore & { readonly size: number } {
  const rows = new Map<string, StoredIdmeVerification>()
  return {
    get: (userId) => rows.get(userId),
    set: (userId, verification) => {
      rows.set(userId, verification)
    },
    delete: (userId) => {
      rows.delete(userId)
    },
    get size() {
      return rows.size
    },
  }
}

const SHARED = Symbol.for('@nself/idme-client/memory-store')

/** The process-wide default store, shared across route modules and hot reloads. */
export function defaultVerificationStore(): IdmeVerificationStore {
  const holder = globalThis as { [SHARED]?: IdmeVerificationStore }
  holder[SHARED] ??= createMemoryVerificationStore()
  return holder[SHARED]
}
