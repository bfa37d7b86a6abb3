import type { MessageNew } from '@nself/contracts/realtime'
import type { Message } from '../types'
import type { Core } from './core'
import type { MessageLists } from './state'

/**
 * Keys per de-dup generation, per room: each room remembers at least its newest 2,000 messages.
 * The reference server replays at most 1,000 per room (`REALTIME_REPLAY_LIMIT`), so a replay
 * never reaches past what is remembered, and a client in a busy room holds thousands of keys,
 * not tens of thousands (which a page, or a process running many clients, pays for in GC).
 */
const GENERATION = 2_000

/**
 * Incoming messages into the room lists, each once: by (sender, clientMessageId) when it has
 * one (a resend through a restarted server comes with a new id), else by id. The sender's own
 * pending copy is replaced by the echo.
 */
export function createInbox(core: Core, lists: MessageLists) {
  const memory = new Map<string, { seen: Set<string>; before: Set<string> }>()

  /** Whether `key` was seen in `room`; remembers it if not. */
  function repeated(room: string, key: string) {
    let m = memory.get(room)
    if (!m) {
      m = { seen: new Set(), before: new Set() }
      memory.set(room, m)
    }
    if (m.before.has(key)) return true
    const n = m.seen.size
    if (m.seen.add(key).size === n) return true
    if (n >= GENERATION) {
      m.before = m.seen
      m.seen = new Set()
    }
    return false
  }

  return {
    /** Keeps `m` in its room's list; `false` for a repeat (its handlers must not run). */
    receive(m: MessageNew): boolean {
      const cmid = m.clientMessageId
      const key = cmid ? `${m.userId}\n${cmid}` : m.id
      if (key && repeated(m.roomName, key)) return false
      const list = lists.listOf(m.roomName)
      if (!list) return true
      // `status` first: adding a key after a spread takes V8's slow path (over 1 µs a message).
      const msg = { status: 'sent', ...m, id: m.id ?? null } as Message
      msg.status = 'sent'
      const i = cmid && m.userId === core.me() ? lists.indexOf(list, cmid) : -1
      if (i < 0) lists.append(list, msg)
      else list[i] = msg
      lists.touched(m.roomName)
      return true
    },
    /** Forgets the messages seen in `room` (left), or in every room (the client was closed). */
    forget(room?: string) {
      if (room === undefined) memory.clear()
      else memory.delete(room)
    },
  }
}
