import type { TokenProvider } from './config'
import { errorFromResponse, isAbortError, messageOf, NselfError } from './errors'
import { backoffDelay, parseRetryAfter, type RetryOptions, sleep } from './retry'

/** One server-sent event. */
export interface ServerSentEvent {
  /** `event:` field; `message` when the server sent none. */
  event: string
  /** `data:` lines joined with `\n`. */
  data: string
  /** `id:` field, if any. Remembered and sent back as `Last-Event-ID` on reconnect. */
  id: string | undefined
}

/** Connection state of an {@link EventStream}. */
export type EventStreamState = 'connecting' | 'open' | 'reconnecting' | 'closed'

/** Options for {@link openEventStream}. */
export interface EventStreamOptions {
  /** The stream's URL; a function is re-read on every reconnect. */
  url: string | (() => string)
  /** Token for `Authorization: Bearer`, asked before every (re)connect; refreshed once on 401. */
  getToken?: TokenProvider
  /** `fetch` to use. Default: global `fetch`. */
  fetch?: typeof fetch
  /** Extra request headers. */
  headers?: Record<string, string>
  /** Resume after this event id (sent as `Last-Event-ID` on the first connect too). */
  lastEventId?: string
  /** Reconnect backoff. Reconnects go on until closed; `retries` is ignored here. */
  retry?: RetryOptions
  /** Closes the stream. */
  signal?: AbortSignal
  /** Called for every event, in order. */
  onEvent: (event: ServerSentEvent) => void
  /** Called on every state change. */
  onStateChange?: (state: EventStreamState) => void
  /**
   * Called when a connection fails. Retryable errors are followed by a reconnect; a
   * non-retryable one (401 after a refresh, 403, 404 …) closes the stream.
   */
  onError?: (error: NselfError) => void
}

/** A running stream. */
export interface EventStream {
  /** Stops reading and reconnecting. */
  close(): void
  /** The id of the last event received. */
  readonly lastEventId: string | undefined
  /** The current connection state. */
  readonly state: EventStreamState
}

/**
 * Reads a `text/event-stream` over `fetch` (so it can send `Authorization`, which
 * `EventSource` cannot), reconnecting with backoff and `Last-Event-ID` so a reconnect misses
 * nothing the server still has.
 */
export function openEventStream(options: EventStreamOptions): EventStream {
  const controller = new AbortController()
  const onOuterAbort = () => controller.abort()
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  let lastEventId = options.lastEventId
  let state: EventStreamState = 'connecting'
  const setState = (next: EventStreamState) => {
    if (next === state) return
    state = next
    options.onStateChange?.(next)
  }

  const run = async () => {
    let failures = 0
    let forceRefresh = false
    let serverRetryMs: number | undefined
    while (!controller.signal.aborted) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers }
        const token = options.getToken
          ? await options.getToken({ forceRefresh, signal: controller.signal })
          : null
        if (token) headers.authorization = `Bearer ${token}`
        if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
        const url = typeof options.url === 'function' ? options.url() : options.url
        const response = await (options.fetch ?? globalThis.fetch)(url, {
          headers,
          signal: controller.signal,
        })
        if (response.status === 401 && options.getToken && !forceRefresh) {
          forceRefresh = true
          continue
        }
        if (!response.ok || !response.body) {
          const body = await response.text().catch(() => '')
          throw errorFromResponse(
            response.status,
            safeJson(body),
            parseRetryAfter(response.headers.get('retry-after')),
          )
        }
        forceRefresh = false
        setState('open')
        let sawEvent = false
        await readEvents(response.body, {
          onEvent: (event) => {
            sawEvent = true
            if (event.id !== undefined) lastEventId = event.id
            options.onEvent(event)
          },
          onRetry: (ms) => {
            serverRetryMs = ms
          },
        })
        if (sawEvent) failures = 0
        // The server ended the stream: reconnect as EventSource would.
        throw new NselfError('NETWORK_ERROR', 'The event stream ended')
      } catch (raw) {
        if (controller.signal.aborted || isAbortError(raw)) break
        const error =
          raw instanceof NselfError
            ? raw
            : new NselfError('NETWORK_ERROR', messageOf(raw), { cause: raw, retryable: true })
        options.onError?.(error)
        if (!error.retryable) break
        setState('reconnecting')
        const wait =
          error.retryAfterMs ??
          serverRetryMs ??
          backoffDelay(failures, { baseDelayMs: 500, ...options.retry })
        failures++
        try {
          await sleep(wait, controller.signal)
        } catch {
          break
        }
      }
    }
    options.signal?.removeEventListener('abort', onOuterAbort)
    setState('closed')
  }
  void run()

  return {
    close: () => controller.abort(),
    get lastEventId() {
      return lastEventId
    },
    get state() {
      return state
    },
  }
}

/** Parses a `text/event-stream` body per the HTML spec's event-stream interpretation. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  handlers: { onEvent: (event: ServerSentEvent) => void; onRetry?: (ms: number) => void },
): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let data: string[] = []
  let event = ''
  let id: string | undefined
  let first = true
  const dispatch = () => {
    if (data.length > 0) handlers.onEvent({ event: event || 'message', data: data.join('\n'), id })
    data = []
    event = ''
  }
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      const text = decoder.decode(value, { stream: true })
      buffer += first ? text.replace(/^\uFEFF/, '') : text
      first = false
      let index = buffer.search(/\r\n|\r|\n/)
      // A lone trailing \r may be the first half of \r\n: wait for more input.
      while (index !== -1 && !(buffer[index] === '\r' && index === buffer.length - 1)) {
        const line = buffer.slice(0, index)
        buffer = buffer.slice(index + (buffer.startsWith('\r\n', index) ? 2 : 1))
        if (line === '') dispatch()
        else if (!line.startsWith(':')) {
          const colon = line.indexOf(':')
          const field = colon === -1 ? line : line.slice(0, colon)
          const raw = colon === -1 ? '' : line.slice(colon + 1)
          const value = raw.startsWith(' ') ? raw.slice(1) : raw
          if (field === 'data') data.push(value)
          else if (field === 'event') event = value
          else if (field === 'id' && !value.includes('\0')) id = value
          else if (field === 'retry' && /^\d+$/.test(value)) handlers.onRetry?.(Number(value))
        }
        index = buffer.search(/\r\n|\r|\n/)
      }
    }
  } finally {
    reader.releaseLock()
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
