import { describe, expect, it } from 'vitest'
import { realtimeSuite } from '../../../test/realtime-kit'

const SECRET = 'recovery-test-secret'

describe('realtime connection-state recovery', () => {
  const rt = realtimeSuite({ jwtSecret: SECRET })

  it('a client whose transport drops gets its socket id, rooms and missed messages back', async () => {
    const alice = await rt.kit.connect('alice', { reconnection: true })
    const bob = await rt.kit.connect('bob')
    await alice.ack('room:join', { roomName: 'r' })
    await bob.ack('room:join', { roomName: 'r' })
    const id = alice.socket.id
    // Wait until the server has stored an offset to resume from (a packet after the join).
    await bob.ack('message:send', { roomName: 'r', content: 'before' })
    await alice.waitFor('message:new', (m) => m.content === 'before')
    const disconnected = new Promise<void>((resolve) => alice.socket.once('disconnect', () => resolve()))
    alice.socket.io.engine.close()
    await disconnected
    // Sent while alice is away.
    await bob.ack('message:send', { roomName: 'r', content: 'missed' })
    const since = alice.log.length
    await alice.waitFor('connected', undefined, { since, timeoutMs: 5_000 })
    expect(alice.socket.recovered).toBe(true)
    expect(alice.socket.id).toBe(id)
    await alice.waitFor('message:new', (m) => m.content === 'missed')
    // Still in the room without re-joining.
    await bob.ack('message:send', { roomName: 'r', content: 'after' })
    await alice.waitFor('message:new', (m) => m.content === 'after')
    expect(alice.events('message:new').map((m) => m.content)).toEqual(['before', 'missed', 'after'])
  })
})
