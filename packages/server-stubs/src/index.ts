/**
 * @nself/server-stubs — reference servers for the nself plugins (realtime, notifications,
 * jobs, file-processing, idme), wire-compatible with the real plugins, for local development
 * and integration tests. See `./testing` for test helpers and the `nself-stubs` CLI.
 */
export type { PluginName } from '@nself/contracts'
export { parseDurationSeconds } from './auth/duration'
export {
  type DevTokenClaims,
  signDevToken,
  type VerifiedToken,
  type VerifyTokenOptions,
  verifyToken,
} from './auth/jwt'
export {
  DEV_JWT_SECRET,
  type JwtSecretSource,
  type ResolvedJwtSecret,
  resolveJwtSecret,
  SHARED_JWT_SECRET_ENV,
} from './auth/jwt-secret'
export { type AuthUser, actingUserId, parseBearer, requireUser } from './auth/request-user'
export { type Clock, FakeClock, systemClock } from './clock'
export { HttpError, isHttpError } from './http/http-error'
export { createJsonLogger, type Logger, type LogRecord, silentLogger } from './http/logger'
export { empty, json, type Reply, text } from './http/reply'
export type { RequestContext, SafeParser } from './http/request-context'
export { type HttpMethod, type RouteHandler, type RouteOptions, Router } from './http/router'
export {
  type Counter,
  type Gauge,
  type Labels,
  MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
  type Sample,
} from './metrics/registry'
export { PLUGIN_ENV_PREFIX } from './plugin-env'
export { createFilesServer, type FilesServer, type FilesServerOptions } from './plugins/files/server'
export { createIdmeServer, type IdmeServer, type IdmeServerOptions } from './plugins/idme/server'
export {
  isPrivateAddress,
  signWebhook,
  type VerifySignatureOptions,
  verifyWebhookSignature,
} from './plugins/jobs/callback-security'
export type { JobEngine } from './plugins/jobs/job-engine'
export type { JobRecord, JobStore } from './plugins/jobs/job-store'
export type { JobHandlerContext, JobTypeDefinition } from './plugins/jobs/job-types'
export { createJobsServer, type JobsServer, type JobsServerOptions } from './plugins/jobs/server'
export {
  createNotificationsServer,
  type NotificationsServer,
  type NotificationsServerOptions,
} from './plugins/notifications/server'
export type { RealtimeContext, RealtimeCounters, RealtimeFeature } from './plugins/realtime/handlers'
export type { DeclaredRoom, RealtimeConfig } from './plugins/realtime/realtime-config'
export type { RealtimeState } from './plugins/realtime/realtime-state'
export type {
  RealtimeIo,
  RealtimeSocket,
  RealtimeSocketData,
  SocketUser,
} from './plugins/realtime/realtime-types'
export {
  createRealtimeServer,
  type RealtimeServer,
  type RealtimeServerOptions,
} from './plugins/realtime/server'
export type {
  PresenceChange,
  RealtimeStore,
  RoomRecord,
  StoredPresence,
  TypingEntry,
  UserPresence,
} from './plugins/realtime/store/realtime-store'
export type { StubServer, StubServerOptions } from './server-options'
export {
  PLUGIN_FACTORIES,
  type PluginServers,
  type RunningStubs,
  type StartStubsOptions,
  startStubs,
} from './start-stubs'
