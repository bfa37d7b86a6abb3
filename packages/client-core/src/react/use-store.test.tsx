import { createStore, getNselfConfig } from '@nself/client-core'
import { NselfProvider, useNselfConfig, useStore } from '@nself/client-core/react'
import { act, render, screen } from '@testing-library/react'
import { StrictMode, useState } from 'react'
import { describe, expect, it } from 'vitest'

describe('useStore', () => {
  it('re-renders a component only when its selected slice changes', () => {
    const store = createStore({ alice: 'online', bob: 'online' })
    const renders = { alice: 0, bob: 0 }
    function Status({ user }: { user: 'alice' | 'bob' }) {
      const status = useStore(store, (s) => s[user])
      renders[user]++
      return <span data-testid={user}>{status}</span>
    }
    render(
      <StrictMode>
        <Status user="alice" />
        <Status user="bob" />
      </StrictMode>,
    )
    const before = { ...renders }
    act(() => store.setState((s) => ({ ...s, alice: 'away' })))
    expect(screen.getByTestId('alice').textContent).toBe('away')
    expect(renders.bob).toBe(before.bob)
    expect(renders.alice).toBeGreaterThan(before.alice)
  })

  it('keeps a stable selection when the selector returns an equal value', () => {
    const store = createStore({ list: [1, 2, 3], other: 0 })
    let renders = 0
    function Count() {
      const [selector] = useState(() => (s: { list: number[] }) => s.list.filter((n) => n > 1))
      const big = useStore(store, selector, (a, b) => a.length === b.length && a.every((v, i) => v === b[i]))
      renders++
      return <span>{big.join(',')}</span>
    }
    render(<Count />)
    const before = renders
    act(() => store.setState((s) => ({ ...s, other: 1 })))
    expect(renders).toBe(before)
  })
})

describe('NselfProvider', () => {
  it('gives its configuration to hooks and to SDK objects created without options', () => {
    const getToken = () => 'tok'
    let seen: ReturnType<typeof useNselfConfig> | undefined
    function Probe() {
      seen = useNselfConfig()
      return null
    }
    render(
      <NselfProvider urls={{ jobs: 'http://jobs.example' }} getToken={getToken}>
        <Probe />
      </NselfProvider>,
    )
    expect(seen?.urls).toEqual({ jobs: 'http://jobs.example' })
    expect(getNselfConfig().getToken).toBe(getToken)
  })
})
