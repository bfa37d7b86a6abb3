import type { MessageNew } from '@nself/contracts/realtime'
import type { Message } from '../types'
import type { Core } from './core'
import type { MessageLists } from './state'

/** Keys per de-dup generation: a key is remembered for at least this many newer ones. */
const GENERATION = 10_000

/**
 * Incoming messages into the room lists, each once: by (sender, clientMessageId) when it has
 * one (a resend through a restarted server comes with a new id), else by id. The sender's own
 * pending copy is replaced by the echo.
 */
export function createInbox(core: Core, lists: MessageLists) {
  let seen = new Set<string>()
  let seenBefore = new Set<string>()

  /** Whether `key` was seen; remembers it if not. */
  function repeated(key: string) {
    if (seenBefore.has(key)) return true
    const n = seen.size
    if (seen.add(key).size === n) return true
    if (n >= GENERATION) {
      seenBefore = seen
      seen = new Set()
    }
    return false
  }

  return {
    /** Keeps `m` in its room's list; `false` for a repeat (its handlers must not run). */
    receive(m: MessageNew): boolean {
      const cmid = m.clientMessageId
      const key = cmid ? `${m.userId}\n${cmid}` : m.id
      if (key && repeated(key)) return false
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
    /** Forgets every message seen (the client was closed). */
    reset() {
      seen = new Set()
      seenBefore = new Set()
    },
  }
}
