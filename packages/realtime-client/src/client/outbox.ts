import { type NselfError, randomId } from '@nself/client-core'
import type { Message, SendOptions } from '../types'
import { type Core, err, type Timer } from './core'
import type { MessageLists } from './state'

type Payload = { roomName: string; content: string; threadId?: string; metadata?: Record<string, unknown> }
type Entry = {
  cmid: string
  payload: Payload
  at: number
  busy?: boolean
  done: (e: NselfError | null, m?: Message) => void
}

/**
 * Outgoing messages: shown as `pending` at once, kept in a bounded outbox (size and age
 * limits, visible in the state) and sent in order with their `clientMessageId` whenever the
 * client is connected and has re-joined its rooms; a lost ack or a dropped connection sends
 * them again (the server de-duplicates). Never dropped silently: a message given up on rejects
 * with `OUTBOX_FULL` or `MESSAGE_EXPIRED` and shows as `failed`.
 */
export function createOutbox(core: Core, lists: MessageLists) {
  const o = core.options
  const maxAge = o.outbox?.maxAgeMs ?? 300_000
  const maxSize = o.outbox?.maxSize ?? 100
  const outbox: Entry[] = []
  let timer: Timer | undefined
  let ready = false // rooms re-joined on this connection: the outbox may flush
  let inFlight = 0
  let stalled = false
  let blockedUntil = 0
  let idleFrom = 0 // no entry of `outbox` before this index is idle (all are in flight)
  let slow = false // after a RATE_LIMITED: one message at a time until the outbox is empty

  function changed(lastError = core.peek().outbox.lastError) {
    core.set({ outbox: { size: outbox.length, oldestAt: outbox[0]?.at ?? null, lastError } })
    clearTimeout(timer)
    const oldest = outbox[firstIdle()]
    if (oldest) timer = setTimeout(expire, oldest.at + maxAge - Date.now())
  }

  function expire() {
    for (const e of [...outbox])
      if (!e.busy && Date.now() - e.at >= maxAge)
        settle(e, err('MESSAGE_EXPIRED', 'Not acknowledged in time'))
    pump()
  }

  /** Takes `e` out of the outbox: acknowledged as `m`, or failed with `error`. */
  function settle(e: Entry, error: NselfError | null, m?: Message) {
    const i = outbox.indexOf(e)
    outbox.splice(i, 1)
    if (i >= 0 && i < idleFrom) idleFrom--
    slow &&= outbox.length > 0
    lists.mark(e.payload.roomName, e.cmid, error ? { status: 'failed', error } : (m as Message))
    changed(error ?? undefined)
    e.done(error, m)
  }

  /** The index of the first entry not in flight (`outbox.length` if none). */
  function firstIdle() {
    idleFrom = Math.min(idleFrom, outbox.length)
    while (outbox[idleFrom]?.busy) idleFrom++
    return idleFrom
  }

  /** Sends what the outbox holds, in order, at most `maxInFlight` ahead of their acks. */
  function pump() {
    if (!ready || !core.live() || (stalled && inFlight)) return
    stalled = false
    const wait = blockedUntil - Date.now()
    if (wait > 0) {
      clearTimeout(timer)
      timer = setTimeout(pump, wait)
      return
    }
    const max = slow ? 1 : (o.outbox?.maxInFlight ?? maxSize)
    for (let i = firstIdle(); i < outbox.length && inFlight < max; i++) {
      const e = outbox[i] as Entry
      if (e.busy) continue
      e.busy = true
      inFlight++
      core.emitAck(
        'message:send',
        { ...e.payload, clientMessageId: e.cmid },
        (error, data) => {
          inFlight--
          e.busy = false
          if (error?.retryable) {
            // Nothing after this one goes out until it is through, so the order holds.
            stalled = true
            idleFrom = 0
            if (error.code === 'RATE_LIMITED') {
              blockedUntil = Date.now() + (error.retryAfterMs ?? 1_000)
              slow = true
            }
            if (Date.now() - e.at >= maxAge)
              settle(e, err('MESSAGE_EXPIRED', 'Not acknowledged in time', error))
          } else if (error) settle(e, error)
          else
            settle(e, null, {
              ...e.payload,
              clientMessageId: e.cmid,
              userId: core.me() ?? '',
              ...(data as { id: string; timestamp: string }),
              status: 'sent',
            })
          pump()
        },
        1,
      )
    }
  }

  return {
    send(roomName: string, content: string, opts: SendOptions = {}): Promise<Message> {
      const at = Date.now()
      const payload: Payload = {
        roomName,
        content,
        ...(opts.threadId && { threadId: opts.threadId }),
        ...(opts.metadata && { metadata: opts.metadata }),
      }
      const cmid = randomId()
      const list = lists.listOf(roomName)
      if (list) {
        lists.append(list, {
          ...payload,
          id: null,
          clientMessageId: cmid,
          userId: core.me() ?? '',
          timestamp: new Date(at).toISOString(),
          status: 'pending',
        })
        lists.touched(roomName)
      }
      if (outbox.length >= maxSize) {
        const error = err('OUTBOX_FULL', 'Too many messages waiting to be sent')
        lists.mark(roomName, cmid, { status: 'failed', error })
        changed(error)
        return Promise.reject(error)
      }
      const release = core.hold()
      return new Promise<Message>((ok, ko) => {
        outbox.push({
          cmid,
          payload,
          at,
          done(error, msg) {
            release()
            if (error) ko(error)
            else ok(msg as Message)
          },
        })
        changed()
        pump()
      })
    },
    /** Whether the outbox may flush: only once the rooms are re-joined on this connection. */
    ready(value: boolean) {
      ready = value
      pump()
    },
    /** Stops the expiry timer (the connection closed). */
    stop() {
      clearTimeout(timer)
    },
    /** Fails everything waiting with `ABORTED` (the client was closed). */
    close() {
      for (const e of [...outbox]) settle(e, err('ABORTED', 'Closed'))
      clearTimeout(timer)
    },
  }
}
