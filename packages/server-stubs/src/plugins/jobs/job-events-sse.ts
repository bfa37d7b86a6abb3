import type { ServerResponse } from 'node:http'
import type { JobEventType } from '@nself/contracts/jobs'
import type { RequestContext } from '../../http/request-context'
import { type JobRecord, type JobStore, type StoredEvent, toWireJob } from './job-store'
import { compareEventIds } from './redis-store'

/** Keeps proxies and idle timeouts from closing a quiet stream. */
const HEARTBEAT_MS = 15_000

function write(res: ServerResponse, id: string, event: JobEventType, job: JobRecord): void {
  res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(toWireJob(job))}\n\n`)
}

/**
 * Streams job events as server-sent events: `id:` on every event (send it back as
 * `Last-Event-ID` to replay what was missed), `event:` the event type, `data:` the whole job.
 * Events published while the replay is read are buffered, so none is lost or sent twice.
 * `snapshot` (per-job streams) sends the job as it is now when there is nothing to replay.
 */
export async function streamJobEvents(
  ctx: RequestContext,
  store: JobStore,
  options: {
    accept: (event: StoredEvent) => boolean
    snapshot?: () => Promise<JobRecord | undefined>
  },
): Promise<undefined> {
  const { req, res } = ctx
  const header = req.headers['last-event-id']
  const lastEventId = (Array.isArray(header) ? header[0] : header)?.trim() || undefined

  const buffered: StoredEvent[] = []
  let live = false
  let sentUpTo: string | undefined
  const send = (event: StoredEvent) => {
    if (!options.accept(event)) return
    if (sentUpTo !== undefined && compareEventIds(event.id, sentUpTo) <= 0) return
    sentUpTo = event.id
    write(res, event.id, event.event, event.job)
  }
  const unsubscribe = store.subscribe((event) => {
    if (live) send(event)
    else buffered.push(event)
  })
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS)
  heartbeat.unref()
  req.once('close', () => {
    clearInterval(heartbeat)
    unsubscribe()
  })

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  })
  res.write('retry: 1000\n\n')

  const replay = lastEventId === undefined ? undefined : await store.eventsSince(lastEventId)
  if (replay) {
    sentUpTo = lastEventId
    for (const event of replay) send(event)
  } else if (options.snapshot) {
    const head = (await store.lastEventId()) ?? '0'
    const job = await options.snapshot()
    if (job) write(res, head, 'job.snapshot', job)
    sentUpTo = head
  } else {
    sentUpTo = lastEventId !== undefined ? undefined : await store.lastEventId()
  }
  for (const event of buffered.splice(0)) send(event)
  live = true
  return undefined
}
