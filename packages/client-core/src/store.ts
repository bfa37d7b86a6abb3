/** A value that changes over time, readable by `useSyncExternalStore`. */
export interface ReadableStore<T> {
  /** The current value. Stable between changes (same reference), as React requires. */
  getSnapshot(): T
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
}

/** A {@link ReadableStore} its owner can write to. */
export interface Store<T> extends ReadableStore<T> {
  /** Replaces the value (or derives it from the previous one); no-op when unchanged. */
  setState(next: T | ((previous: T) => T)): void
}

/** Options for {@link createStore}. */
export interface StoreOptions {
  /** Called when the first listener subscribes: open sockets, start timers. */
  onFirstSubscribe?: () => void
  /** Called when the last listener leaves: close what `onFirstSubscribe` opened. */
  onLastUnsubscribe?: () => void
}

/**
 * A minimal external store: the core of every SDK holds its state in one, and the React
 * hooks read slices of it with selectors. Lifecycle hooks let a store own resources only
 * while somebody is listening.
 */
export function createStore<T>(initial: T, options: StoreOptions = {}): Store<T> {
  let state = initial
  const listeners = new Set<() => void>()
  return {
    getSnapshot: () => state,
    setState(next) {
      const value = typeof next === 'function' ? (next as (previous: T) => T)(state) : next
      if (Object.is(value, state)) return
      state = value
      for (const listener of [...listeners]) listener()
    },
    subscribe(listener) {
      // Wrap so the same function subscribed twice counts twice (StrictMode double effects).
      const entry = () => listener()
      listeners.add(entry)
      if (listeners.size === 1) options.onFirstSubscribe?.()
      return () => {
        if (!listeners.delete(entry)) return
        if (listeners.size === 0) options.onLastUnsubscribe?.()
      }
    },
  }
}
