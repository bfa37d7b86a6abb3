import type { SocketUser } from './realtime-types'

/** Counts events per minute over the last hour. */
export class EventRate {
  #total = 0
  readonly #buckets = new Map<number, number>()

  /** Records one event at `now` (ms). */
  record(now = Date.now()): void {
    this.#total++
    const minute = Math.floor(now / 60_000)
    this.#buckets.set(minute, (this.#buckets.get(minute) ?? 0) + 1)
    if (this.#buckets.size > 61) {
      for (const key of this.#buckets.keys()) if (key <= minute - 60) this.#buckets.delete(key)
    }
  }

  /** Events since the server started. */
  get total(): number {
    return this.#total
  }

  /** Events in the last 60 minutes (to the minute). */
  lastHour(now = Date.now()): number {
    const minute = Math.floor(now / 60_000)
    let sum = 0
    for (const [key, count] of this.#buckets) if (key > minute - 60) sum += count
    return sum
  }
}

/**
 * The in-memory state of one realtime server: who is connected. Rooms, presence and typing
 * (later) keep their state beside this.
 */
export class RealtimeState {
  /** Connections accepted since start. */
  connectionsTotal = 0
  /** Socket id → user, for every authenticated (or anonymous) connected socket. */
  readonly sockets = new Map<string, SocketUser>()
  /** User id → that user's connected socket ids (a user is online while any is). */
  readonly userSockets = new Map<string, Set<string>>()
  /** Client → server events received. */
  readonly events = new EventRate()

  /** Records a connected socket. */
  addSocket(socketId: string, user: SocketUser): void {
    this.connectionsTotal++
    this.sockets.set(socketId, user)
    let set = this.userSockets.get(user.userId)
    if (!set) {
      set = new Set()
      this.userSockets.set(user.userId, set)
    }
    set.add(socketId)
  }

  /** Forgets a socket; returns `true` when it was its user's last one. */
  removeSocket(socketId: string): boolean {
    const user = this.sockets.get(socketId)
    if (!user) return false
    this.sockets.delete(socketId)
    const set = this.userSockets.get(user.userId)
    set?.delete(socketId)
    if (set && set.size === 0) {
      this.userSockets.delete(user.userId)
      return true
    }
    return false
  }

  /** Connected sockets by kind. */
  connectionCounts(): { active: number; authenticated: number; anonymous: number } {
    let anonymous = 0
    for (const user of this.sockets.values()) if (user.anonymous) anonymous++
    return { active: this.sockets.size, authenticated: this.sockets.size - anonymous, anonymous }
  }
}
