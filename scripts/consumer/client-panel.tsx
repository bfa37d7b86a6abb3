'use client'
import { createStore } from '@nself/client-core'
import { NselfProvider, useStore } from '@nself/client-core/react'
import { useState } from 'react'

export function ClientPanel() {
  const [store] = useState(() => createStore({ count: 0 }))
  const count = useStore(store, (s) => s.count)
  return (
    <NselfProvider urls={{ jobs: 'http://localhost:3105' }}>
      <button type="button" onClick={() => store.setState((s) => ({ count: s.count + 1 }))}>
        clicked {count}
      </button>
    </NselfProvider>
  )
}
