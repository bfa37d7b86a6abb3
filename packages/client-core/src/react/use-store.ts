'use client'
import { useCallback, useRef, useSyncExternalStore } from 'react'
import type { ReadableStore } from '../store'

const identity = <T>(value: T) => value

/**
 * Reads a slice of an external store. The component re-renders only when the selected value
 * changes by `isEqual` (default `Object.is`), not on every change of the store.
 */
export function useStore<T, S = T>(
  store: ReadableStore<T>,
  selector: (state: T) => S = identity as (state: T) => S,
  isEqual: (a: S, b: S) => boolean = Object.is,
): S {
  // Memoise the selection per snapshot so getSnapshot returns a stable value between changes.
  // A new selector (e.g. another user id) selects again even when the snapshot is the same.
  const memo = useRef<{ snapshot: T; selector: (state: T) => S; selected: S } | null>(null)
  const select = useCallback(
    (snapshot: T): S => {
      const previous = memo.current
      if (previous && Object.is(previous.snapshot, snapshot) && previous.selector === selector)
        return previous.selected
      const next = selector(snapshot)
      if (previous && isEqual(previous.selected, next)) {
        memo.current = { snapshot, selector, selected: previous.selected }
        return previous.selected
      }
      memo.current = { snapshot, selector, selected: next }
      return next
    },
    [selector, isEqual],
  )
  const getSnapshot = () => select(store.getSnapshot())
  return useSyncExternalStore(store.subscribe, getSnapshot, getSnapshot)
}
