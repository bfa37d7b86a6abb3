// One socket per browser origin shared by every tab: the Web Locks leader holds it, the others
// relay over a BroadcastChannel. Node has BroadcastChannel; Web Locks is faked by client-core's
// test helper. Every "tab" is a RealtimeClient in this process.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakeLocks } from '../../client-core/test/fake-locks'
import { type Harness, harness, sleep, until } from '../test/harness.test'
import type { RealtimeClient } from './index'

let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(() => h.close())

const sockets = (userId: string) => h.server().state.userSockets.get(userId)?.size ?? 0
const status = (c: RealtimeClient) => c.getSnapshot().connection.status

function openTabs(userId: string, n: number) {
  const locks = fakeLocks()
  const name = `tabs-${randomUUID()}`
  return Array.from({ length: n }, () => h.client(userId, { tabSharing: { name, locks, BroadcastChannel } }))
}

describe('tab sharing', () => {
  it('five tabs are one connection; each tab joins, sends and receives through it', async () => {
    const tabs = openTabs('tabby', 5)
    const other = h.client('other')
    await until(() => tabs.every((t) => status(t) === 'connected'))
    expect(sockets('tabby')).toBe(1)
    expect(tabs.every((t) => t.getSnapshot().connection.userId === 'tabby')).toBe(true)

    await Promise.all([...tabs.map((t) => t.joinRoom('shared')), other.joinRoom('shared')])
    await Promise.all([tabs[3]!.joinRoom('only-3'), other.joinRoom('only-3')])
    expect(sockets('tabby')).toBe(1)

    // Server → every tab that joined the room; a follower's send is acked and delivered once.
    await other.send('shared', 'to all tabs')
    await other.send('only-3', 'to tab 3')
    const sent = await tabs[4]!.send('shared', 'from tab 4')
    expect(sent.id).toBeTruthy()
    await until(() => tabs.every((t) => t.getSnapshot().rooms.shared?.messages.length === 2))
    await until(() => other.getSnapshot().rooms.shared?.messages.length === 2)
    expect(other.getSnapshot().rooms.shared?.messages.map((m) => m.content)).toEqual([
      'to all tabs',
      'from tab 4',
    ])
    expect(tabs[3]!.getSnapshot().rooms['only-3']?.messages.map((m) => m.content)).toEqual(['to tab 3'])
    expect(tabs[0]!.getSnapshot().rooms['only-3']).toBeUndefined()

    // Typing and presence from a follower.
    tabs[2]!.startTyping('shared')
    await until(() => other.getSnapshot().rooms.shared?.typing.length === 1)
    tabs[2]!.setPresence('dnd')
    await until(() => other.getSnapshot().presence.tabby?.status === 'dnd')
    await until(() => tabs.every((t) => t.getSnapshot().presence.tabby?.status === 'dnd'))
    const got = await tabs[1]!.getPresence(['other'])
    expect(got[0]?.status).toBe('online')

    // One tab leaving keeps the room for the others; the last one out leaves it.
    const left: unknown[] = []
    other.on('user:left', (p) => left.push(p))
    await tabs[0]!.leaveRoom('shared')
    await sleep(100)
    expect(left).toEqual([])
    await other.send('shared', 'still here')
    await until(() => tabs[1]!.getSnapshot().rooms.shared?.messages.length === 3)
    await Promise.all(tabs.slice(1).map((t) => t.leaveRoom('shared')))
    await until(() => left.length === 1)
    for (const t of tabs) t.close()
    await until(() => sockets('tabby') === 0)
  })

  it('hands over when the leader tab closes: the next tab connects, re-joins and flushes, still one connection', async () => {
    const tabs = openTabs('handover', 3)
    const other = h.client('other2')
    await until(() => tabs.every((t) => status(t) === 'connected'))
    await Promise.all([...tabs.map((t) => t.joinRoom('ho')), other.joinRoom('ho')])
    const firstSocket = tabs[0]!.getSnapshot().connection.socketId

    // Tab 0 (the first to ask for the lock) leads; close it while tab 1 sends.
    tabs[0]!.close()
    const pending = [tabs[1]!.send('ho', 'during handover'), tabs[2]!.send('ho', 'also during')]
    await until(() =>
      tabs
        .slice(1)
        .every((t) => status(t) === 'connected' && t.getSnapshot().connection.socketId !== firstSocket),
    )
    await Promise.all(pending)
    expect(sockets('handover')).toBe(1)
    await other.send('ho', 'after handover')
    await until(() =>
      tabs
        .slice(1)
        .every((t) => t.getSnapshot().rooms.ho?.messages.some((m) => m.content === 'after handover')),
    )
    await until(() => other.getSnapshot().rooms.ho?.messages.length === 3)
    expect(
      other
        .getSnapshot()
        .rooms.ho?.messages.map((m) => m.content)
        .sort(),
    ).toEqual(['after handover', 'also during', 'during handover'])
    for (const t of tabs) t.close()
    await until(() => sockets('handover') === 0)
  })

  it('falls back to one socket per tab without Web Locks or BroadcastChannel', async () => {
    const tabs = [1, 2].map(() =>
      h.client('solo', { tabSharing: { locks: undefined, BroadcastChannel: undefined } }),
    )
    // Node has no navigator.locks: the coordinator is not shared, every tab leads itself.
    await until(() => tabs.every((t) => status(t) === 'connected'))
    expect(sockets('solo')).toBe(2)
  })
})
