import { type ErrorCode, NselfError } from '@nself/client-core'
import type { AckCallback } from '../link'
import type { RealtimeClientOptions, RealtimeState, RoomState } from '../types'

export type Timer = ReturnType<typeof setTimeout>

/**
 * What the parts of a realtime client (rooms, outbox, typing, presence) share: its options,
 * its state and its connection. Made once per client by `createRealtimeClient`.
 */
export interface Core {
  readonly options: RealtimeClientOptions
  /** The state, with pending message-list changes applied. */
  get(): RealtimeState
  /** The state as last published: cheap, for anything but the message lists. */
  peek(): RealtimeState
  set(patch: Partial<RealtimeState>): void
  /** Replaces one room's state; `fn` returns what changes, or nothing. */
  patchRoom(name: string, fn: (room: RoomState) => Partial<RoomState> | undefined): void
  /** The user this client is (from the options or the token), once known. */
  me(): string | null
  /** The id of the connected socket; `null` while not connected. */
  live(): string | null
  /** Sends without an ack; dropped while not connected. */
  emit(event: string, payload: unknown): void
  /** Sends and waits for the ack; a lost ack on a live connection is asked for again (`tries`). */
  emitAck(event: string, payload: unknown, cb: AckCallback, tries?: number): void
  /** Tells this user's other tabs something (no-op without tab sharing). */
  peer(message: unknown): void
  /** Keeps the connection open until the returned release is called. */
  hold(): () => void
}

export type Deferred<T> = { p: Promise<T>; ok: (v: T) => void; ko: (e: NselfError) => void }

/** A promise with its settle functions; its rejection is handled (callers may never await it). */
export const deferred = <T>(): Deferred<T> => {
  const d = {} as Deferred<T>
  d.p = new Promise<T>((ok, ko) => Object.assign(d, { ok, ko }))
  d.p.catch(() => {})
  return d
}

/** A client-side error: retryable unless the caller gave up (`ABORTED`). */
export const err = (code: ErrorCode, message: string, cause?: unknown) =>
  new NselfError(code, message, { retryable: code !== 'ABORTED', cause })

/** The error an ack envelope `{ success, error }` carries, or `null` for a success. */
export const ackError = (res: unknown): NselfError | null => {
  const r = res as {
    success?: boolean
    error?: { code?: string; message?: string; details?: { retryAfterMs?: number } }
  }
  const details = r?.error?.details
  return r?.success
    ? null
    : new NselfError((r?.error?.code ?? 'INVALID_RESPONSE') as ErrorCode, r?.error?.message ?? 'Refused', {
        details,
        ...(details?.retryAfterMs !== undefined && { retryAfterMs: details.retryAfterMs }),
      })
}
