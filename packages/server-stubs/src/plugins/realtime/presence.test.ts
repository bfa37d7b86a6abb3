import {
  PresenceChangedSchema,
  PresenceGetAckDataSchema,
  RealtimeMetricsSchema,
} from '@nself/contracts/realtime'
import { describe, expect, it } from 'vitest'
import { realtimeServers, realtimeSuite, sleep, until } from '../../../test/realtime-kit'

const SECRET = 'presence-test-secret'

describe('realtime presence', () => {
  const rt = realtimeSuite({ jwtSecret: SECRET })

  it('a first socket is announced online to everyone, the newcomer included, before connected', async () => {
    const watcher = await rt.kit.connect('watcher-1')
    const alice = await rt.kit.connect('p1-alice')
    const ownIndex = alice.log.findIndex((e) => e.event === 'presence:changed')
    const connectedIndex = alice.log.findIndex((e) => e.event === 'connected')
    expect(ownIndex).toBeGreaterThanOrEqual(0)
    expect(ownIndex).toBeLessThan(connectedIndex)
    const expected = { userId: 'p1-alice', status: 'online', customStatus: null, customEmoji: null }
    expect(PresenceChangedSchema.parse(alice.log[ownIndex]?.payload)).toEqual(expected)
    expect(await watcher.waitFor('presence:changed', (p) => p.userId === 'p1-alice')).toEqual(expected)
  })

  it('a user stays online while any socket is connected; offline is broadcast on the last disconnect', async () => {
    const watcher = await rt.kit.connect('watcher-2')
    const tab1 = await rt.kit.connect('p2-alice')
    const tab2 = await rt.kit.connect('p2-alice')
    // The second tab was told its own presence, but nobody else heard anything new.
    expect(tab2.events('presence:changed', (p) => p.userId === 'p2-alice')).toEqual([
      { userId: 'p2-alice', status: 'online', customStatus: null, customEmoji: null },
    ])
    await sleep(50)
    expect(watcher.events('presence:changed', (p) => p.userId === 'p2-alice')).toHaveLength(1)
    tab1.close()
    await sleep(80)
    expect(
      watcher.events('presence:changed', (p) => p.userId === 'p2-alice' && p.status === 'offline'),
    ).toEqual([])
    tab2.close()
    expect(await watcher.waitFor('presence:changed', (p) => p.status === 'offline')).toEqual({
      userId: 'p2-alice',
      status: 'offline',
    })
    const ack = await watcher.ack('presence:get', { userIds: ['p2-alice'] })
    expect(PresenceGetAckDataSchema.parse(ack.data).presences).toEqual([
      { userId: 'p2-alice', status: 'offline' },
    ])
  })

  it('presence:update sets busy/away/online with a flattened custom status, broadcast to everyone', async () => {
    const watcher = await rt.kit.connect('watcher-3')
    const alice = await rt.kit.connect('p3-alice')
    alice.send('presence:update', { status: 'busy', customStatus: { text: 'In a meeting', emoji: '📅' } })
    const expected = { userId: 'p3-alice', status: 'busy', customStatus: 'In a meeting', customEmoji: '📅' }
    expect(await watcher.waitFor('presence:changed', (p) => p.status === 'busy')).toEqual(expected)
    expect(await alice.waitFor('presence:changed', (p) => p.status === 'busy')).toEqual(expected)
    // The update replaces the custom status as a whole, as the real plugin does.
    alice.send('presence:update', { status: 'away' })
    expect(await watcher.waitFor('presence:changed', (p) => p.status === 'away')).toEqual({
      userId: 'p3-alice',
      status: 'away',
      customStatus: null,
      customEmoji: null,
    })
    alice.send('presence:update', { status: 'online', customStatus: { text: 'back' } })
    expect(await watcher.waitFor('presence:changed', (p) => p.customStatus === 'back')).toEqual({
      userId: 'p3-alice',
      status: 'online',
      customStatus: 'back',
      customEmoji: null,
    })
    const got = await watcher.ack('presence:get', { userIds: ['p3-alice', 'nobody', 'p3-alice'] })
    expect(got).toEqual({
      success: true,
      data: {
        presences: [
          { userId: 'p3-alice', status: 'online', customStatus: 'back', customEmoji: null },
          { userId: 'nobody', status: 'offline' },
        ],
      },
    })
  })

  it('invisible: others see offline (exactly as a disconnect), the user’s own sockets see invisible', async () => {
    const watcher = await rt.kit.connect('watcher-4')
    const alice = await rt.kit.connect('p4-alice')
    const aliceTab = await rt.kit.connect('p4-alice')
    alice.send('presence:update', { status: 'invisible', customStatus: { text: 'secret' } })
    expect(
      await watcher.waitFor('presence:changed', (p) => p.userId === 'p4-alice' && p.status === 'offline'),
    ).toEqual({ userId: 'p4-alice', status: 'offline' })
    expect(await aliceTab.waitFor('presence:changed', (p) => p.status === 'invisible')).toEqual({
      userId: 'p4-alice',
      status: 'invisible',
      customStatus: 'secret',
      customEmoji: null,
    })
    await sleep(30)
    expect(watcher.events('presence:changed', (p) => p.status === 'invisible')).toEqual([])
    const seenByOthers = await watcher.ack('presence:get', { userIds: ['p4-alice'] })
    expect(PresenceGetAckDataSchema.parse(seenByOthers.data).presences).toEqual([
      { userId: 'p4-alice', status: 'offline' },
    ])
    const seenBySelf = await alice.ack('presence:get', { userIds: ['p4-alice'] })
    expect(PresenceGetAckDataSchema.parse(seenBySelf.data).presences[0]?.status).toBe('invisible')
    // Members lists show offline too.
    await alice.ack('room:join', { roomName: 'p4-room' })
    const join = await watcher.ack('room:join', { roomName: 'p4-room' })
    expect((join.data as { members: unknown[] }).members).toContainEqual({
      userId: 'p4-alice',
      status: 'offline',
      customStatus: null,
      customEmoji: null,
    })
    // Reconnecting does not flash online: an invisible user stays invisible.
    const since = watcher.log.length
    alice.close()
    aliceTab.close()
    await watcher.waitFor('presence:changed', (p) => p.userId === 'p4-alice' && p.status === 'offline', {
      since,
    })
    const count = watcher.events('presence:changed', (p) => p.userId === 'p4-alice').length
    const back = await rt.kit.connect('p4-alice')
    expect(back.events('presence:changed', (p) => p.userId === 'p4-alice')[0]?.status).toBe('invisible')
    await sleep(50)
    expect(watcher.events('presence:changed', (p) => p.userId === 'p4-alice')).toHaveLength(count + 1)
    expect(watcher.events('presence:changed', (p) => p.userId === 'p4-alice').at(-1)).toEqual({
      userId: 'p4-alice',
      status: 'offline',
    })
    back.send('presence:update', { status: 'online' })
    await watcher.waitFor('presence:changed', (p) => p.userId === 'p4-alice' && p.status === 'online')
  })

  it('a custom status is cleared at its expiresAt and re-broadcast', async () => {
    const watcher = await rt.kit.connect('watcher-5')
    const alice = await rt.kit.connect('p5-alice')
    const expiresAt = new Date(Date.now() + 300).toISOString()
    alice.send('presence:update', { status: 'busy', customStatus: { text: 'brb', emoji: '☕', expiresAt } })
    await watcher.waitFor('presence:changed', (p) => p.customStatus === 'brb')
    const cleared = await watcher.waitFor(
      'presence:changed',
      (p) => p.userId === 'p5-alice' && p.status === 'busy' && p.customStatus === null,
      2_000,
    )
    expect(cleared).toEqual({ userId: 'p5-alice', status: 'busy', customStatus: null, customEmoji: null })
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt))
    // An expiry already past is no custom status at all.
    alice.send('presence:update', {
      status: 'online',
      customStatus: { text: 'stale', expiresAt: new Date(Date.now() - 1_000).toISOString() },
    })
    expect(
      await watcher.waitFor('presence:changed', (p) => p.userId === 'p5-alice' && p.status === 'online'),
    ).toEqual({
      userId: 'p5-alice',
      status: 'online',
      customStatus: null,
      customEmoji: null,
    })
  })

  it('presence:get validates its input and caps the list', async () => {
    const alice = await rt.kit.connect('p6-alice')
    expect((await alice.ack('presence:get', { userIds: 'alice' })).error?.code).toBe('VALIDATION_FAILED')
    const many = Array.from({ length: 1_001 }, (_, i) => `u${i}`)
    expect((await alice.ack('presence:get', { userIds: many })).error?.code).toBe('VALIDATION_FAILED')
    const ok = await alice.ack('presence:get', { userIds: many.slice(0, 1_000) })
    expect(PresenceGetAckDataSchema.parse(ok.data).presences).toHaveLength(1_000)
  })

  it('/metrics presence counts follow the real state', async () => {
    const read = async () => RealtimeMetricsSchema.parse(await rt.kit.metricsJson()).presence
    const before = await read()
    const a = await rt.kit.connect('p7-a')
    const b = await rt.kit.connect('p7-b')
    const c = await rt.kit.connect('p7-c')
    b.send('presence:update', { status: 'busy' })
    c.send('presence:update', { status: 'away' })
    await until(async () => (await read()).busy === before.busy + 1)
    expect(await read()).toEqual({
      online: before.online + 1,
      away: before.away + 1,
      busy: before.busy + 1,
      offline: before.offline,
    })
    a.close()
    await until(async () => (await read()).offline === before.offline + 1)
  })
})

describe('realtime auto-away (REALTIME_AWAY_TIMEOUT)', () => {
  const servers = realtimeServers()

  it('an online user idle for the timeout turns away; any event brings them back online', async () => {
    const { kit } = await servers.start({ jwtSecret: SECRET, env: { REALTIME_AWAY_TIMEOUT: '800' } })
    const watcher = await kit.connect('watcher')
    const busy = await kit.connect('busy-bee')
    busy.send('presence:update', { status: 'busy' })
    const alice = await kit.connect('alice')
    const connectedAt = Date.now()
    // The watcher keeps busy (its own activity must not count for alice).
    const keepAlive = setInterval(() => watcher.send('ping'), 50)
    try {
      const away = await watcher.waitFor(
        'presence:changed',
        (p) => p.userId === 'alice' && p.status === 'away',
        5_000,
      )
      expect(away).toEqual({ userId: 'alice', status: 'away', customStatus: null, customEmoji: null })
      expect(Date.now() - connectedAt).toBeGreaterThanOrEqual(750)
      alice.send('ping')
      await watcher.waitFor('presence:changed', (p) => p.userId === 'alice' && p.status === 'online')
      await sleep(200)
      // Only `online` turns away: busy stays busy; and the watcher, active, never went away.
      expect(
        watcher.events('presence:changed', (p) => p.userId === 'busy-bee' && p.status === 'away'),
      ).toEqual([])
      expect(
        watcher.events('presence:changed', (p) => p.userId === 'watcher' && p.status === 'away'),
      ).toEqual([])
    } finally {
      clearInterval(keepAlive)
    }
    // An explicit away is not lifted by activity.
    const since = watcher.log.length
    alice.send('presence:update', { status: 'away' })
    await watcher.waitFor('presence:changed', (p) => p.userId === 'alice' && p.status === 'away', { since })
    const count = watcher.events('presence:changed', (p) => p.userId === 'alice').length
    alice.send('ping')
    await sleep(100)
    expect(watcher.events('presence:changed', (p) => p.userId === 'alice')).toHaveLength(count)
  })

  it('REALTIME_AWAY_TIMEOUT=0 disables it', async () => {
    const { server, kit } = await servers.start({ jwtSecret: SECRET, env: { REALTIME_AWAY_TIMEOUT: '0' } })
    const alice = await kit.connect('alice')
    await sleep(300)
    expect(alice.events('presence:changed', (p) => p.status === 'away')).toEqual([])
    expect(server.config.awayTimeoutMs).toBe(0)
  })
})
