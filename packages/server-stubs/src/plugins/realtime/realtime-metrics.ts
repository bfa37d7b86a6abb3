import type { RealtimeMetrics } from '@nself/contracts/realtime'
import type { RealtimeState } from './realtime-state'
import type { RealtimeIo } from './realtime-types'
import { roomNameOf } from './room-keys'
import type { RealtimeStore } from './store/realtime-store'

/** Samples the process CPU share (of one core) between successive calls. */
export function createCpuSampler(): () => number {
  let last = process.cpuUsage()
  let lastAt = performance.now()
  const first = { usage: process.cpuUsage(), at: lastAt - process.uptime() * 1000 }
  let firstCall = true
  return () => {
    const now = performance.now()
    const usage = process.cpuUsage()
    const from = firstCall ? { usage: { user: 0, system: 0 }, at: first.at } : { usage: last, at: lastAt }
    firstCall = false
    const cpuMs = (usage.user - from.usage.user + usage.system - from.usage.system) / 1000
    const wallMs = Math.max(now - from.at, 1)
    last = usage
    lastAt = now
    return Math.round((cpuMs / wallMs) * 10_000) / 100
  }
}

/** The real plugin's JSON metrics (`GET /metrics` with `Accept: application/json`). */
export async function realtimeMetrics(
  io: RealtimeIo,
  state: RealtimeState,
  store: RealtimeStore,
  startedAt: number,
  cpu: () => number,
): Promise<RealtimeMetrics> {
  const counts = state.connectionCounts()
  const [roomsTotal, presence, active] = await Promise.all([
    store.roomCount(),
    store.presenceCounts(),
    activeRooms(io),
  ])
  const memory = process.memoryUsage()
  return {
    uptime: Math.floor((Date.now() - startedAt) / 1000),
    connections: { total: state.connectionsTotal, ...counts },
    rooms: { total: Math.max(roomsTotal, active), active },
    presence,
    events: { total: state.events.total, lastHour: state.events.lastHour() },
    memory: {
      used: memory.heapUsed,
      total: memory.heapTotal,
      percentage: Math.round((memory.heapUsed / memory.heapTotal) * 10_000) / 100,
    },
    cpu: { usage: cpu() },
  }
}

/** Rooms with at least one connected socket, on every instance (the adapter knows them all). */
export async function activeRooms(io: RealtimeIo): Promise<number> {
  const adapter = io.of('/').adapter as {
    rooms: Map<string, Set<string>>
    allRooms?: () => Promise<Set<string>>
  }
  let names: Iterable<string> = adapter.rooms.keys()
  if (typeof adapter.allRooms === 'function') {
    try {
      names = await adapter.allRooms()
    } catch {
      // Another instance did not answer in time: count what this one sees.
    }
  }
  let count = 0
  for (const name of names) if (roomNameOf(name) !== undefined) count++
  return count
}

/** Rooms with a connected socket on this instance (for the Prometheus gauge, which is synchronous). */
export function localActiveRooms(io: RealtimeIo): number {
  let count = 0
  for (const name of io.of('/').adapter.rooms.keys()) if (roomNameOf(name) !== undefined) count++
  return count
}
