import type { RealtimeMetrics } from '@nself/contracts/realtime'
import type { RealtimeState } from './realtime-state'
import type { RealtimeIo } from './realtime-types'

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
export function realtimeMetrics(
  io: RealtimeIo,
  state: RealtimeState,
  startedAt: number,
  cpu: () => number,
): RealtimeMetrics {
  const counts = state.connectionCounts()
  // Socket.IO keeps a room per socket id; the others are the rooms users joined.
  let rooms = 0
  for (const [name] of io.of('/').adapter.rooms) if (!io.of('/').sockets.has(name)) rooms++
  const memory = process.memoryUsage()
  return {
    uptime: Math.floor((Date.now() - startedAt) / 1000),
    connections: { total: state.connectionsTotal, ...counts },
    rooms: { total: rooms, active: rooms },
    presence: { online: state.userSockets.size, away: 0, busy: 0, offline: 0 },
    events: { total: state.events.total, lastHour: state.events.lastHour() },
    memory: {
      used: memory.heapUsed,
      total: memory.heapTotal,
      percentage: Math.round((memory.heapUsed / memory.heapTotal) * 10_000) / 100,
    },
    cpu: { usage: cpu() },
  }
}
