import type { ServerResponse } from 'node:http'
import { INBOX_EVENTS, type InboxCounts } from '@nself/contracts/notifications'

interface LoggedEvent {
  seq: number
  frame: string
}

interface UserStream {
  seq: number
  log: LoggedEvent[]
  clients: Set<ServerResponse>
}

/** Options of {@link InboxStreams}. */
export interface InboxStreamsOptions {
  /** Events kept per user for `Last-Event-ID` replay. */
  logSize: number
  /** Interval of SSE comment heartbeats, ms. */
  heartbeatMs: number
}

/**
 * The server-sent-events side of the inbox: per user a sequence of events with ids
 * `<epoch>.<seq>` and a bounded log, so a client reconnecting with `Last-Event-ID` receives
 * exactly what it missed. The epoch changes with every server start: an id from another run
 * (or one older than the log) gets a `counts` event with `resync: true` instead.
 */
export class InboxStreams {
  readonly #users = new Map<string, UserStream>()
  readonly #epoch = Date.now().toString(36)
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #options: InboxStreamsOptions

  constructor(options: InboxStreamsOptions) {
    this.#options = options
  }

  /** Connected streams in total. */
  get connections(): number {
    let n = 0
    for (const stream of this.#users.values()) n += stream.clients.size
    return n
  }

  #stream(userId: string): UserStream {
    let stream = this.#users.get(userId)
    if (!stream) {
      stream = { seq: 0, log: [], clients: new Set() }
      this.#users.set(userId, stream)
    }
    return stream
  }

  /** Sends `event` to every stream of `userId` and logs it for replay. */
  publish(userId: string, event: string, data: unknown): void {
    const stream = this.#stream(userId)
    stream.seq++
    const frame = `id: ${this.#epoch}.${stream.seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    stream.log.push({ seq: stream.seq, frame })
    if (stream.log.length > this.#options.logSize)
      stream.log.splice(0, stream.log.length - this.#options.logSize)
    for (const res of stream.clients) res.write(frame)
  }

  /** Sends the current counts (not logged: its id is that of the last event). */
  publishCounts(userId: string, counts: InboxCounts): void {
    const stream = this.#stream(userId)
    const frame = this.#countsFrame(stream, counts, false)
    for (const res of stream.clients) res.write(frame)
  }

  #countsFrame(stream: UserStream, counts: InboxCounts, resync: boolean): string {
    const data = resync ? { counts, resync: true } : { counts }
    return `id: ${this.#epoch}.${stream.seq}\nevent: ${INBOX_EVENTS.counts}\ndata: ${JSON.stringify(data)}\n\n`
  }

  /**
   * Takes over `res` as the stream of `userId`: replays what followed `lastEventId`, then the
   * current counts, then live events and heartbeats until the client goes away.
   */
  attach(userId: string, res: ServerResponse, lastEventId: string | undefined, counts: InboxCounts): void {
    const stream = this.#stream(userId)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    res.socket?.setNoDelay(true)
    let resync = false
    let replay = ''
    if (lastEventId !== undefined && lastEventId !== '') {
      const [epoch, raw] = lastEventId.split('.')
      const seq = Number(raw)
      const oldest = stream.log[0]?.seq ?? stream.seq + 1
      if (epoch !== this.#epoch || !Number.isInteger(seq) || seq > stream.seq || seq < oldest - 1) {
        resync = true
      } else {
        for (const entry of stream.log) if (entry.seq > seq) replay += entry.frame
      }
    }
    res.write(`retry: 1000\n\n${replay}${this.#countsFrame(stream, counts, resync)}`)
    stream.clients.add(res)
    const timer = setInterval(() => res.write(': heartbeat\n\n'), this.#options.heartbeatMs)
    timer.unref()
    this.#timers.add(timer)
    res.once('close', () => {
      clearInterval(timer)
      this.#timers.delete(timer)
      stream.clients.delete(res)
    })
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers.clear()
    for (const stream of this.#users.values()) for (const res of stream.clients) res.end()
  }
}
