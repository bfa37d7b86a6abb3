import { describe, expect, it } from 'vitest'
import { realtimeSuite, sleep } from '../../../test/realtime-kit'

const SECRET = 'calls-test-secret'

describe('realtime call signaling (extension)', () => {
  const rt = realtimeSuite({ jwtSecret: SECRET })

  it('offer, answer, ice-candidate and hangup are relayed to every socket of the target, with fromUserId', async () => {
    const alice = await rt.kit.connect('alice')
    const bob = await rt.kit.connect('bob')
    const bobPhone = await rt.kit.connect('bob')
    const carol = await rt.kit.connect('carol')
    for (const c of [alice, bob, carol]) await c.ack('room:join', { roomName: 'call-1' })

    const offer = { roomName: 'call-1', callId: 'k1', toUserId: 'bob', sdp: 'v=0 offer', media: 'video' }
    expect(await alice.ack('call:offer', offer)).toEqual({ success: true })
    const relayed = {
      roomName: 'call-1',
      callId: 'k1',
      sdp: 'v=0 offer',
      media: 'video',
      fromUserId: 'alice',
    }
    expect(await bob.waitFor('call:offer')).toEqual(relayed)
    expect(await bobPhone.waitFor('call:offer')).toEqual(relayed)

    expect(
      await bob.ack('call:answer', {
        roomName: 'call-1',
        callId: 'k1',
        toUserId: 'alice',
        sdp: 'v=0 answer',
      }),
    ).toEqual({ success: true })
    expect(await alice.waitFor('call:answer')).toEqual({
      roomName: 'call-1',
      callId: 'k1',
      sdp: 'v=0 answer',
      fromUserId: 'bob',
    })

    const candidate = {
      candidate: 'candidate:1 1 UDP 1 10.0.0.1 5000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    }
    expect(
      await alice.ack('call:ice-candidate', { roomName: 'call-1', callId: 'k1', toUserId: 'bob', candidate }),
    ).toEqual({ success: true })
    expect(await bob.waitFor('call:ice-candidate')).toEqual({
      roomName: 'call-1',
      callId: 'k1',
      candidate,
      fromUserId: 'alice',
    })

    expect(
      await bob.ack('call:hangup', {
        roomName: 'call-1',
        callId: 'k1',
        toUserId: 'alice',
        reason: 'declined',
      }),
    ).toEqual({ success: true })
    expect(await alice.waitFor('call:hangup')).toEqual({
      roomName: 'call-1',
      callId: 'k1',
      reason: 'declined',
      fromUserId: 'bob',
    })
    await sleep(50)
    // Nobody else hears a thing.
    expect(carol.log.filter((e) => e.event.startsWith('call:'))).toEqual([])
    expect(alice.events('call:offer')).toEqual([])
  })

  it('NOT_FOUND when the target is not in the room (not a member, or not connected)', async () => {
    const alice = await rt.kit.connect('alice')
    const dave = await rt.kit.connect('dave')
    await alice.ack('room:join', { roomName: 'call-2' })
    const offer = { roomName: 'call-2', callId: 'k2', toUserId: 'dave', sdp: 'x' }
    expect(await alice.ack('call:offer', offer)).toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: 'User "dave" is not in room "call-2"' },
    })
    await dave.ack('room:join', { roomName: 'call-2' })
    expect((await alice.ack('call:offer', offer)).success).toBe(true)
    dave.close()
    await alice.waitFor('presence:changed', (p) => p.userId === 'dave' && p.status === 'offline')
    expect((await alice.ack('call:offer', offer)).error?.code).toBe('NOT_FOUND')
  })

  it('ROOM_FORBIDDEN when the sender is not a member; BAD_REQUEST to oneself; VALIDATION_FAILED on bad payloads', async () => {
    const alice = await rt.kit.connect('alice')
    const bob = await rt.kit.connect('bob')
    await bob.ack('room:join', { roomName: 'call-3' })
    const offer = { roomName: 'call-3', callId: 'k3', toUserId: 'bob', sdp: 'x' }
    expect((await alice.ack('call:offer', offer)).error?.code).toBe('ROOM_FORBIDDEN')
    expect((await bob.ack('call:offer', { ...offer, toUserId: 'bob' })).error?.code).toBe('BAD_REQUEST')
    expect((await bob.ack('call:offer', { ...offer, sdp: 42 })).error?.code).toBe('VALIDATION_FAILED')
    expect((await bob.ack('call:hangup', { ...offer, reason: 'bored' })).error?.code).toBe(
      'VALIDATION_FAILED',
    )
    expect((await bob.ack('call:ice-candidate', { ...offer, candidate: 'x' })).error?.code).toBe(
      'VALIDATION_FAILED',
    )
    expect((await bob.ack('call:answer', { roomName: 'call-3' })).error?.code).toBe('VALIDATION_FAILED')
  })
})
