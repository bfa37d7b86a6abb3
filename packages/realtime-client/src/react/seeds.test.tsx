// The seeds' snippets, as written (seeds/plugins-system.md and seeds/backend-evaluation.md),
// typechecked by `tsc -p packages/realtime-client` and run against the mock client. The only
// additions are what TypeScript needs (the props' type) and the components' return values.
import { createMockRealtimeClient, RealtimeTestProvider } from '@nself/realtime-client/testing'
import { act, render } from '@testing-library/react'
import { useEffect } from 'react'
import { describe, expect, it } from 'vitest'
import { useRealtime } from '../index'

// plugins-system.md, "Realtime Plugin → Frontend Integration"
// (there: `import { useRealtime } from '@/hooks/use-realtime'`)
let handleTypingOf: ((isTyping: boolean) => void) | undefined
function ChatRoom({ channelId }: { channelId: string }) {
  const { joinChannel, sendTyping } = useRealtime()

  // biome-ignore lint/correctness/useExhaustiveDependencies: the seed's dependency list, as written
  useEffect(() => {
    joinChannel(channelId)
  }, [channelId])

  // Use typing indicators
  const handleTyping = (isTyping: boolean) => {
    sendTyping(channelId, isTyping)
  }
  handleTypingOf = handleTyping
  return null
}

// backend-evaluation.md, "CS_2: Realtime → Frontend Integration"
let api: ReturnType<typeof useRealtime> | undefined
function Presence() {
  const { sendTyping, onTyping, updatePresence, onPresenceChange, joinRoom, leaveRoom } = useRealtime()
  api = { ...useRealtime(), sendTyping, onTyping, updatePresence, onPresenceChange, joinRoom, leaveRoom }
  return null
}

describe("the seeds' snippets", () => {
  it('plugins-system.md: joinChannel(channelId) in an effect, sendTyping(channelId, isTyping)', async () => {
    const client = createMockRealtimeClient()
    const view = render(
      <RealtimeTestProvider client={client}>
        <ChatRoom channelId="general" />
      </RealtimeTestProvider>,
    )
    await act(() => new Promise((r) => setTimeout(r, 0)))
    expect(client.emittedOf('room:join')).toEqual([{ roomName: 'general' }])
    act(() => handleTypingOf?.(true))
    act(() => handleTypingOf?.(false))
    expect(client.emittedOf('typing:start')).toEqual([{ roomName: 'general' }])
    expect(client.emittedOf('typing:stop')).toEqual([{ roomName: 'general' }])
    // The seed never leaves the channel; the hook does it when the component goes.
    view.unmount()
    await act(() => new Promise((r) => setTimeout(r, 0)))
    expect(client.emittedOf('room:leave')).toEqual([{ roomName: 'general' }])
  })

  it('backend-evaluation.md: sendTyping, onTyping, updatePresence, onPresenceChange, joinRoom, leaveRoom', async () => {
    const client = createMockRealtimeClient({ userId: 'me' })
    render(
      <RealtimeTestProvider client={client}>
        <Presence />
      </RealtimeTestProvider>,
    )
    const { sendTyping, onTyping, updatePresence, onPresenceChange, joinRoom, leaveRoom } = api!
    await act(() => joinRoom('room-1'))
    const typing: string[][] = []
    const presence: string[] = []
    const offTyping = onTyping('room-1', (users) => typing.push(users.map((u) => u.userId)))
    const offPresence = onPresenceChange((p) => presence.push(`${p.userId}:${p.status}`))
    act(() =>
      client.receive('typing:event', {
        roomName: 'room-1',
        users: [{ userId: 'ann', startedAt: new Date().toISOString() }],
      }),
    )
    act(() => client.setUserPresence('ann', 'busy'))
    act(() => sendTyping('room-1', true))
    act(() => updatePresence('dnd', { text: 'Heads down' }))
    expect(typing).toEqual([['ann']])
    expect(presence).toEqual(['ann:dnd'])
    expect(client.emittedOf('typing:start')).toEqual([{ roomName: 'room-1' }])
    expect(client.emittedOf('presence:update')).toEqual([
      { status: 'busy', customStatus: { text: 'Heads down' } },
    ])
    expect(api?.status).toBe('connected')
    expect(api?.isConnected).toBe(true)
    offTyping()
    offPresence()
    await act(() => leaveRoom('room-1'))
    expect(client.emittedOf('room:leave')).toEqual([{ roomName: 'room-1' }])
  })
})
