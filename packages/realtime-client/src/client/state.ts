import { createStore } from '@nself/client-core'
import { initialConnection } from '../link'
import type { Message, RealtimeClientOptions, RealtimeState, RoomState } from '../types'
import type { Core } from './core'

/** A room's state before its join is acknowledged. */
export const joiningRoom = (name: string): RoomState => ({
  name,
  status: 'joining',
  error: null,
  members: [],
  memberCount: 0,
  messages: [],
  typing: [],
})

/** A room's message list, changed in place and published on the next read. */
export interface MessageLists {
  /** The list of `room` to change in place (then call {@link touched}); none when not joined. */
  listOf(room: string): Message[] | undefined
  /** Publishes `room`'s list at the next read, or at once while anyone is subscribed. */
  touched(room: string): void
  /** Appends `m` to `list`, keeping the newest `maxMessages`. */
  append(list: Message[], m: Message): void
  /** Where this user's message `cmid` is in `list` (searched from the newest). */
  indexOf(list: readonly Message[], cmid: string): number
  /** Changes this user's message `cmid` in `room`. */
  mark(room: string, cmid: string, patch: Partial<Message>): void
  /** Drops the in-place copy of `room` (left), or of every room. */
  forget(room?: string): void
}

/**
 * The client's store. Message lists change in place and reach the snapshot at its next read,
 * or at once while anyone is subscribed: a burst costs one copy per read, not one per message.
 */
export function createState(o: RealtimeClientOptions) {
  const cap = Math.max(1, o.maxMessages ?? 100)
  const work = new Map<string, { base: readonly Message[]; list: Message[] }>()
  const changed = new Set<string>()
  let listening = false
  const store = createStore<RealtimeState>(
    {
      connection: initialConnection(o.userId),
      outbox: { size: 0, oldestAt: null, lastError: null },
      rooms: {},
      presence: {},
      self: { status: 'online', customStatus: null },
    },
    {
      onFirstSubscribe() {
        listening = true
        if (changed.size) sync()
      },
      onLastUnsubscribe() {
        listening = false
      },
    },
  )
  const peek = store.getSnapshot
  const get = () => {
    if (changed.size) sync()
    return peek()
  }
  const set = (patch: Partial<RealtimeState>) => store.setState((s) => ({ ...s, ...patch }))
  const patchRoom = (name: string, fn: (r: RoomState) => Partial<RoomState> | undefined) => {
    const rooms = get().rooms
    const room = rooms[name]
    const patch = room && fn(room)
    if (patch) set({ rooms: { ...rooms, [name]: { ...room, ...patch } } })
  }
  const me = () => peek().connection.userId

  /** Writes the changed message lists into the snapshot (and tells the listeners). */
  function sync() {
    const s = peek()
    let next: Record<string, RoomState> | undefined
    for (const name of changed) {
      const room = s.rooms[name]
      const w = work.get(name)
      // A room left, or its list replaced through `set`, since: that state wins.
      if (!room || !w || room.messages !== w.base) continue
      next ??= { ...s.rooms }
      const messages = w.list.slice(Math.max(0, w.list.length - cap))
      w.base = messages
      next[name] = { ...room, messages }
    }
    changed.clear()
    if (next) store.setState({ ...s, rooms: next })
  }

  const lists: MessageLists = {
    listOf(name) {
      const room = peek().rooms[name]
      if (!room) return void work.delete(name)
      let w = work.get(name)
      if (w?.base !== room.messages) {
        w = { base: room.messages, list: room.messages.slice() }
        work.set(name, w)
      }
      return w.list
    },
    touched(name) {
      changed.add(name)
      if (listening) sync()
    },
    append(list, m) {
      list.push(m)
      // Not one `shift` per message: on a full list it costs more than the rest of a delivery.
      if (list.length >= 2 * cap) list.splice(0, list.length - cap)
    },
    indexOf(list, cmid) {
      const user = me()
      for (let i = list.length - 1; i >= Math.max(0, list.length - cap); i--)
        if (list[i]?.clientMessageId === cmid && list[i]?.userId === user) return i
      return -1
    },
    mark(room, cmid, patch) {
      const list = lists.listOf(room)
      const i = list ? lists.indexOf(list, cmid) : -1
      if (!list || i < 0) return
      list[i] = { ...(list[i] as Message), ...patch }
      lists.touched(room)
    },
    forget(room) {
      if (room === undefined) work.clear()
      else work.delete(room)
    },
  }

  const state: Pick<Core, 'get' | 'peek' | 'set' | 'patchRoom' | 'me'> = { get, peek, set, patchRoom, me }
  return { store, state, lists }
}
