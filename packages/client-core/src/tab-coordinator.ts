import { createStore, type ReadableStore } from './store'

/** The part of the Web Locks API the coordinator uses. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>
}

/** The part of `BroadcastChannel` the coordinator uses. */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

/** Options for {@link createTabCoordinator}. */
export interface TabCoordinatorOptions {
  /** Names the shared resource; tabs with the same name share one leader. Include URL and user. */
  name: string
  /** `false` makes every tab its own leader (one connection per tab). Default `true`. */
  enabled?: boolean
  /** Web Locks implementation. Default `navigator.locks` where it exists. */
  locks?: LockManagerLike
  /** `BroadcastChannel` constructor. Default the global one where it exists. */
  BroadcastChannel?: new (
    name: string,
  ) => BroadcastChannelLike
}

/** Leadership state of a tab. */
export interface TabCoordinatorState {
  /** This tab owns the shared resource (holds the connection). */
  isLeader: boolean
  /** Tabs coordinate (Web Locks and BroadcastChannel exist); `false`: every tab leads itself. */
  shared: boolean
}

/**
 * One leader among all tabs of an origin (Web Locks: the browser hands the lock to the next
 * tab when the leader closes or crashes) and a channel between them (BroadcastChannel).
 * The SDKs keep one socket or event stream in the leader and relay over the channel.
 * Where either API is missing, every tab is its own leader.
 */
export interface TabCoordinator<M = unknown> extends ReadableStore<TabCoordinatorState> {
  /** Sends `message` to every other tab of the same name. */
  post(message: M): void
  /** Receives messages from the other tabs. */
  onMessage(listener: (message: M) => void): () => void
  /** Gives up leadership (or the wait for it) and closes the channel. */
  close(): void
}

/** Creates a {@link TabCoordinator}. Touches no browser API until called. */
export function createTabCoordinator<M = unknown>(options: TabCoordinatorOptions): TabCoordinator<M> {
  const locks = options.locks ?? (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks
  const Channel =
    options.BroadcastChannel ??
    (globalThis.BroadcastChannel as unknown as (new (name: string) => BroadcastChannelLike) | undefined)
  const shared = options.enabled !== false && !!locks && !!Channel
  const store = createStore<TabCoordinatorState>({ isLeader: !shared, shared })
  const listeners = new Set<(message: M) => void>()
  const abort = new AbortController()
  let release: (() => void) | undefined
  let channel: BroadcastChannelLike | undefined

  if (shared && locks && Channel) {
    channel = new Channel(`${options.name}:channel`)
    channel.addEventListener('message', (event) => {
      for (const listener of [...listeners]) listener(event.data as M)
    })
    locks
      .request(`${options.name}:leader`, { signal: abort.signal }, () => {
        if (abort.signal.aborted) return Promise.resolve()
        store.setState({ isLeader: true, shared })
        // Hold the lock until closed; the browser releases it if the tab dies.
        return new Promise<void>((resolve) => {
          release = resolve
        })
      })
      .catch(() => {
        // Aborted while waiting for the lock: nothing to release.
      })
  }

  return {
    getSnapshot: store.getSnapshot,
    subscribe: store.subscribe,
    post(message) {
      channel?.postMessage(message)
    },
    onMessage(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close() {
      abort.abort()
      release?.()
      release = undefined
      channel?.close()
      channel = undefined
      listeners.clear()
      if (store.getSnapshot().isLeader && shared) store.setState({ isLeader: false, shared })
    },
  }
}
