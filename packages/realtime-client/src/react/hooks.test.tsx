import {
  createMockRealtimeClient,
  createRealtimeWrapper,
  type MockRealtimeClient,
  RealtimeTestProvider,
} from '@nself/realtime-client/testing'
import { act, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react'
import { StrictMode, useState } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { harness } from '../../test/harness.test'
import {
  RealtimeProvider,
  useCall,
  useConnectionStatus,
  usePresence,
  useRealtimeEvent,
  useRoom,
  useTyping,
} from '../index'

const tick = () => act(() => new Promise((r) => setTimeout(r, 0)))
afterEach(() => {
  vi.useRealTimers()
})

describe('usePresence', () => {
  it('a status change re-renders only the components reading that user (500 readers)', async () => {
    const client = createMockRealtimeClient()
    const users = Array.from({ length: 500 }, (_, i) => `u${i}`)
    const renders = new Map<string, number>()
    function Avatar({ userId }: { userId: string }) {
      const p = usePresence(userId)
      renders.set(userId, (renders.get(userId) ?? 0) + 1)
      return <span data-testid={userId}>{p?.status ?? '…'}</span>
    }
    render(
      <RealtimeTestProvider client={client}>
        {users.map((u) => (
          <Avatar key={u} userId={u} />
        ))}
      </RealtimeTestProvider>,
    )
    await tick()
    // One bulk read for all 500 avatars.
    expect(client.emittedOf('presence:get')).toEqual([{ userIds: users }])
    const before = new Map(renders)
    act(() => client.setUserPresence('u7', 'dnd'))
    expect(screen.getByTestId('u7').textContent).toBe('dnd')
    const rerendered = users.filter((u) => renders.get(u) !== before.get(u))
    expect(rerendered).toEqual(['u7'])
    expect((renders.get('u7') ?? 0) - (before.get('u7') ?? 0)).toBe(1)
  })

  it('takes a selector, and switches users without a stale read', async () => {
    const client = createMockRealtimeClient()
    client.connect()
    client.setUserPresence('ann', 'online')
    client.setUserPresence('bo', 'away')
    const wrapper = createRealtimeWrapper(client)
    const online = renderHook(
      () => usePresence((all) => Object.values(all).filter((p) => p.status === 'online').length),
      { wrapper },
    )
    expect(online.result.current).toBe(1)
    const one = renderHook(({ id }) => usePresence(id)?.status, { wrapper, initialProps: { id: 'ann' } })
    expect(one.result.current).toBe('online')
    one.rerender({ id: 'bo' })
    expect(one.result.current).toBe('away')
  })
})

describe('StrictMode', () => {
  it('double mounting makes no second connection', async () => {
    const client = createMockRealtimeClient()
    function Room() {
      const room = useRoom('general')
      const status = useConnectionStatus()
      return (
        <p>
          {status.status} {room.status}
        </p>
      )
    }
    render(
      <StrictMode>
        <RealtimeTestProvider client={client}>
          <Room />
        </RealtimeTestProvider>
      </StrictMode>,
    )
    await tick()
    expect(client.connects).toBe(1)
    expect(client.emittedOf('room:join')).toHaveLength(1)
    expect(client.emittedOf('room:leave')).toHaveLength(0)
    expect(screen.getByText('connected joined')).toBeTruthy()
  })

  it('against the stub: one connection ever, closed after unmount', async () => {
    // jsdom's Uint8Array is not Node's: give the stub's JWT library bytes of this realm.
    const Encoder = globalThis.TextEncoder
    globalThis.TextEncoder = class extends Encoder {
      override encode(input?: string) {
        return new Uint8Array(super.encode(input))
      }
    } as typeof TextEncoder
    const h = await harness()
    try {
      function Room() {
        const room = useRoom('strict')
        return <p>{room.status}</p>
      }
      const view = render(
        <StrictMode>
          <RealtimeProvider url={h.url} getToken={() => h.stubs.token('strict-user')} tabSharing={false}>
            <Room />
          </RealtimeProvider>
        </StrictMode>,
      )
      await waitFor(() => expect(screen.getByText('joined')).toBeTruthy(), { timeout: 5_000 })
      expect(h.server().state.connectionsTotal).toBe(1)
      view.unmount()
      await waitFor(() => expect(h.connections()).toBe(0))
      expect(h.server().state.connectionsTotal).toBe(1)
    } finally {
      await h.close()
      globalThis.TextEncoder = Encoder
    }
  })
})

describe('useRoom', () => {
  it('joins while mounted, shows live messages, sends, and leaves on unmount or room change', async () => {
    const client = createMockRealtimeClient({ userId: 'me' })
    const { result, rerender, unmount } = renderHook(({ room }) => useRoom(room), {
      wrapper: createRealtimeWrapper(client),
      initialProps: { room: 'a' },
    })
    await tick()
    expect(result.current).toMatchObject({ name: 'a', status: 'joined', members: ['me'] })
    act(() =>
      client.receive('message:new', {
        roomName: 'a',
        userId: 'ann',
        content: '<b>hi</b>',
        id: '1',
        timestamp: new Date().toISOString(),
      }),
    )
    expect(result.current.messages.map((m) => m.content)).toEqual(['<b>hi</b>'])
    await act(() => result.current.send('hello'))
    expect(result.current.messages.map((m) => [m.content, m.status])).toEqual([
      ['<b>hi</b>', 'sent'],
      ['hello', 'sent'],
    ])
    rerender({ room: 'b' })
    await tick()
    expect(client.emittedOf('room:leave')).toEqual([{ roomName: 'a' }])
    expect(result.current.name).toBe('b')
    unmount()
    await tick()
    expect(client.emittedOf('room:leave')).toEqual([{ roomName: 'a' }, { roomName: 'b' }])
  })
})

describe('useTyping', () => {
  it('lists typists as text and sends start/stop from an input: empty, blur, room switch and unmount stop', async () => {
    const client = createMockRealtimeClient({ userId: 'me' })
    function Composer({ room }: { room: string }) {
      useRoom(room)
      const names: Record<string, string> = { ann: 'Ann', bo: 'Bo' }
      const typing = useTyping(room, { displayName: (id) => names[id] ?? id })
      const [value, setValue] = useState('')
      return (
        <>
          <p data-testid="line">{typing.text}</p>
          <input
            aria-label="message"
            value={value}
            onChange={(e) => {
              setValue(e.target.value)
              typing.onInput(e)
            }}
            onBlur={typing.inputProps.onBlur}
          />
        </>
      )
    }
    const view = render(
      <RealtimeTestProvider client={client}>
        <Composer room="r1" />
      </RealtimeTestProvider>,
    )
    await tick()
    const at = new Date().toISOString()
    act(() =>
      client.receive('typing:event', {
        roomName: 'r1',
        users: [
          { userId: 'ann', startedAt: at },
          { userId: 'bo', startedAt: at },
        ],
      }),
    )
    expect(screen.getByTestId('line').textContent).toBe('Ann and Bo are typing…')
    const input = screen.getByLabelText('message')
    fireEvent.change(input, { target: { value: 'h' } })
    fireEvent.change(input, { target: { value: 'he' } })
    expect(client.emittedOf('typing:start')).toEqual([{ roomName: 'r1' }])
    fireEvent.change(input, { target: { value: '' } })
    expect(client.emittedOf('typing:stop')).toEqual([{ roomName: 'r1' }])
    // After a stop, the next keystroke starts again at once; blur stops.
    fireEvent.change(input, { target: { value: 'x' } })
    expect(client.emittedOf('typing:start')).toHaveLength(2)
    fireEvent.blur(input)
    expect(client.emittedOf('typing:stop')).toHaveLength(2)
    view.rerender(
      <RealtimeTestProvider client={client}>
        <Composer room="r2" />
      </RealtimeTestProvider>,
    )
    await tick()
    fireEvent.change(screen.getByLabelText('message'), { target: { value: 'xy' } })
    expect(client.emittedOf('typing:start').at(-1)).toEqual({ roomName: 'r2' })
    view.unmount()
    expect(client.emittedOf('typing:stop').at(-1)).toEqual({ roomName: 'r2' })
  })
})

describe('useConnectionStatus and useRealtimeEvent', () => {
  it('shows reconnecting with the attempt and the outbox size; the latest handler gets events', async () => {
    const client: MockRealtimeClient = createMockRealtimeClient()
    const seen: string[] = []
    const { result, rerender } = renderHook(
      ({ tag }) => {
        useRealtimeEvent('presence:changed', (p) => seen.push(`${tag}:${p.userId}`))
        return useConnectionStatus()
      },
      { wrapper: createRealtimeWrapper(client), initialProps: { tag: 'v1' } },
    )
    await tick()
    expect(result.current.status).toBe('connected')
    act(() => client.disconnect({ attempt: 2, nextRetryAt: Date.now() + 1_000 }))
    expect(result.current).toMatchObject({ status: 'reconnecting', attempt: 2 })
    act(() => {
      client.send('r', 'queued').catch(() => {})
    })
    expect(result.current.outbox.size).toBe(1)
    act(() => client.setUserPresence('ann', 'online'))
    rerender({ tag: 'v2' })
    act(() => client.setUserPresence('bo', 'online'))
    expect(seen).toEqual(['v1:ann', 'v2:bo'])
    await act(async () => client.connectNow())
    await tick()
    expect(result.current.outbox.size).toBe(0)
  })
})

describe('idle → away', () => {
  it('sets away after the idle time and online again on activity', async () => {
    vi.useFakeTimers()
    const client = createMockRealtimeClient({ idleAwayMs: 60_000 })
    const release = client.connect()
    vi.advanceTimersByTime(59_000)
    expect(client.emittedOf('presence:update')).toEqual([])
    vi.advanceTimersByTime(1_000)
    expect(client.emittedOf('presence:update')).toEqual([{ status: 'away' }])
    expect(client.getSnapshot().self.status).toBe('away')
    window.dispatchEvent(new Event('keydown'))
    expect(client.emittedOf('presence:update')).toEqual([{ status: 'away' }, { status: 'online' }])
    // A status the user chose is left alone.
    client.setPresence('dnd')
    vi.advanceTimersByTime(120_000)
    expect(client.getSnapshot().self.status).toBe('dnd')
    release()
    vi.runAllTimers()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('useCall', () => {
  it('rings on an offer, answers with injected WebRTC objects, and hangs up on unmount', async () => {
    const client = createMockRealtimeClient({ userId: 'me' })
    const pc = {
      remoteDescription: null as RTCSessionDescriptionInit | null,
      addTrack() {},
      close: vi.fn(),
      async setRemoteDescription(d: RTCSessionDescriptionInit) {
        this.remoteDescription = d
      },
      async createAnswer() {
        return { type: 'answer', sdp: 'answer-sdp' }
      },
      async setLocalDescription() {},
      async addIceCandidate() {},
    }
    const options = {
      createPeerConnection: () => pc as unknown as RTCPeerConnection,
      getUserMedia: async () => ({ getTracks: () => [] }) as unknown as MediaStream,
    }
    const { result, unmount } = renderHook(() => useCall('room', options), {
      wrapper: createRealtimeWrapper(client),
    })
    await tick()
    act(() =>
      client.receive('call:offer', {
        roomName: 'room',
        callId: 'c1',
        fromUserId: 'ann',
        sdp: 'offer-sdp',
        media: 'audio',
      }),
    )
    expect(result.current).toMatchObject({ status: 'ringing', peerUserId: 'ann', callId: 'c1' })
    await act(() => result.current.accept())
    expect(client.emittedOf('call:answer')).toEqual([
      { roomName: 'room', callId: 'c1', toUserId: 'ann', sdp: 'answer-sdp' },
    ])
    expect(result.current.status).toBe('connecting')
    unmount()
    expect(client.emittedOf('call:hangup')).toEqual([
      { roomName: 'room', callId: 'c1', toUserId: 'ann', reason: 'hangup' },
    ])
    expect(pc.close).toHaveBeenCalled()
  })
})
