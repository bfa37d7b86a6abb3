import { createStore } from '@nself/client-core'
import { describe, expect, it, vi } from 'vitest'

describe('createStore', () => {
  it('notifies on change only, and owns resources only while subscribed', () => {
    const onFirstSubscribe = vi.fn()
    const onLastUnsubscribe = vi.fn()
    const store = createStore({ n: 0 }, { onFirstSubscribe, onLastUnsubscribe })
    const listener = vi.fn()
    const off1 = store.subscribe(listener)
    const off2 = store.subscribe(listener)
    expect(onFirstSubscribe).toHaveBeenCalledTimes(1)
    store.setState((s) => ({ n: s.n + 1 }))
    expect(listener).toHaveBeenCalledTimes(2)
    const same = store.getSnapshot()
    store.setState(same)
    expect(listener).toHaveBeenCalledTimes(2)
    off1()
    off1()
    expect(onLastUnsubscribe).not.toHaveBeenCalled()
    off2()
    expect(onLastUnsubscribe).toHaveBeenCalledTimes(1)
    expect(store.getSnapshot()).toEqual({ n: 1 })
  })
})
