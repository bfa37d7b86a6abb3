import { DEFAULT_CLIENT_TYPES, type NotificationsHealth } from '@nself/contracts/notifications'
import { type Clock, systemClock } from '../../clock'
import { type Logger, silentLogger } from '../../http/logger'
import { readEnv, readEnvInt } from '../../plugin-env'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'
import { createEmailTransport, type EmailTransport } from './email-transport'
import { InboxStreams } from './inbox-streams'
import { registerNotificationsRoutes } from './notifications-routes'
import { NotificationsState } from './notifications-state'
import { resolveVapidKeys, type VapidKeys } from './web-push-sender'

/** Options of {@link createNotificationsServer}. */
export interface NotificationsServerOptions extends StubServerOptions {
  /**
   * Where email goes over SMTP. Default: `NOTIFICATIONS_SMTP_HOST:NOTIFICATIONS_SMTP_PORT`
   * (e.g. Mailpit) when set, else a capturing SMTP server the stub starts on a free loopback port.
   */
  smtp?: { host: string; port: number }
  /**
   * Notification types a user token may send (others need `role: "service"`). Default:
   * `NOTIFICATIONS_CLIENT_TYPES` (comma-separated), else `message,mention`.
   */
  clientTypes?: readonly string[]
  /** Sends per user token per window. Default `NOTIFICATIONS_CLIENT_RATE_LIMIT` per minute, else 60. */
  clientRateLimit?: { max: number; windowMs: number }
  /** Multiplies retry and hold delays (`0.001` in tests: 1 s → 1 ms). Default 1. */
  retryTimeScale?: number
  /** VAPID keys. Default `NOTIFICATIONS_VAPID_PUBLIC_KEY`/`_PRIVATE_KEY`, else generated at start. */
  vapid?: VapidKeys & { subject?: string }
  /** Heartbeat (SSE comment) interval of inbox streams, ms. Default 15 000. */
  heartbeatMs?: number
  /** Events kept per user for `Last-Event-ID` replay. Default 5 000. */
  eventLogSize?: number
  /**
   * Whether user tokens may read their own captured deliveries at `GET /v1/dev/deliveries`
   * (service tokens always may). Default: `NODE_ENV !== 'production'`.
   */
  devEndpoints?: boolean
  /** Clock (tests). Default `Date.now`; ignored when `clock` is given. */
  now?: () => number
  /**
   * Time and timers of retries, quiet hours and digests (tests pass a `FakeClock`). Default:
   * the process clock, reading the time from `now`.
   */
  clock?: Clock
}

/** A running notifications server. */
export interface NotificationsServer extends StubServer<'notifications'> {
  /** `host:port` of the SMTP server email goes to. */
  readonly smtpTarget: string
  /** The VAPID public key browsers subscribe with. */
  readonly vapidPublicKey: string
  /** The state of one app (tenant; `primary` unless `X-App-Name` says otherwise). */
  stateFor(app?: string): NotificationsState
}

/**
 * Starts the notifications plugin: the Go API's `/v1/notifications`, `/v1/preferences/{user_id}`
 * and `/v1/templates` (snake_case), and our extensions: multi-channel send, the inbox and its
 * server-sent-events stream, web push (VAPID, encrypted payloads), email over real SMTP with
 * retries, hourly limits, quiet hours and digests, and the captured deliveries.
 */
export async function createNotificationsServer(
  options: NotificationsServerOptions = {},
): Promise<NotificationsServer> {
  const env = options.env ?? process.env
  const clock: Clock = options.clock ?? { ...systemClock, now: options.now ?? systemClock.now }
  const now = () => clock.now()
  const states = new Map<string, NotificationsState>()
  const smtpHost = readEnv(env, 'NOTIFICATIONS_SMTP_HOST')
  const email: EmailTransport = await createEmailTransport({
    smtp:
      options.smtp ??
      (smtpHost ? { host: smtpHost, port: readEnvInt(env, 'NOTIFICATIONS_SMTP_PORT', 1025) } : undefined),
    from: readEnv(env, 'NOTIFICATIONS_EMAIL_FROM') ?? 'nself <notifications@nself.test>',
    onReceived: ({ deliveryId, raw }) => {
      if (!deliveryId) return
      for (const state of states.values())
        if (state.deliveries.has(deliveryId)) state.receivedEmail(deliveryId, raw)
    },
  })
  const keys = options.vapid ?? resolveVapidKeys(env)
  const vapid = {
    publicKey: keys.publicKey,
    privateKey: keys.privateKey,
    subject:
      options.vapid?.subject ??
      readEnv(env, 'NOTIFICATIONS_VAPID_SUBJECT') ??
      'mailto:notifications@nself.test',
  }
  const streams = new InboxStreams({
    logSize: options.eventLogSize ?? 5_000,
    heartbeatMs: options.heartbeatMs ?? 15_000,
  })
  const clientTypes = new Set(
    options.clientTypes ??
      readEnv(env, 'NOTIFICATIONS_CLIENT_TYPES')
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean) ??
      DEFAULT_CLIENT_TYPES,
  )
  const timeScale = options.retryTimeScale ?? 1
  // Replaced by the server's logger once the frame has resolved it (before any request).
  let logger: Logger = silentLogger
  const stateFor = (app = 'primary') => {
    let state = states.get(app)
    if (!state) {
      state = new NotificationsState(app, {
        email,
        streams,
        vapid,
        logger,
        timeScale,
        emailDomain: readEnv(env, 'NOTIFICATIONS_EMAIL_DOMAIN') ?? 'users.nself.test',
        clock,
      })
      states.set(app, state)
    }
    return state
  }
  try {
    return await createPluginServer('notifications', options, (ctx) => {
      logger = ctx.logger
      registerNotificationsRoutes(ctx.router, {
        stateFor,
        streams,
        vapidPublicKey: vapid.publicKey,
        clientTypes,
        clientRateLimit: options.clientRateLimit ?? {
          max: readEnvInt(env, 'NOTIFICATIONS_CLIENT_RATE_LIMIT', 60),
          windowMs: 60_000,
        },
        devEndpoints: options.devEndpoints ?? env.NODE_ENV !== 'production',
        now,
      })
      ctx.metrics.gauge('nself_notifications_streams', 'Open inbox event streams.', () => streams.connections)
      return {
        health: (): NotificationsHealth => ({
          status: 'ok',
          service: 'notifications',
          timestamp: new Date().toISOString(),
        }),
        teardown: async () => {
          for (const state of states.values()) state.close()
          streams.close()
          await email.close()
        },
        extra: { smtpTarget: email.target, vapidPublicKey: vapid.publicKey, stateFor },
      }
    })
  } catch (error) {
    await email.close()
    throw error
  }
}
