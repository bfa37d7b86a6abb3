export {
  configureNself,
  getNselfConfig,
  type NselfConfig,
  resolveBaseUrl,
  type TokenProvider,
  type TokenRequest,
} from './config'
export {
  codeForStatus,
  type ErrorCode,
  errorFromResponse,
  isAbortError,
  isNselfError,
  NselfError,
  type NselfErrorOptions,
  toNselfError,
} from './errors'
export { fetchHealth, type HealthOptions, type PluginHealth } from './health'
export {
  HttpClient,
  type HttpClientOptions,
  type HttpMethod,
  type RequestOptions,
  type ResponseSchema,
} from './http-client'
export { randomId } from './ids'
export { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryOptions, sleep } from './retry'
export { combineSignals } from './signals'
export {
  type EventStream,
  type EventStreamOptions,
  type EventStreamState,
  openEventStream,
  readEvents,
  type ServerSentEvent,
} from './sse'
export { createStore, type ReadableStore, type Store, type StoreOptions } from './store'
export {
  type BroadcastChannelLike,
  createTabCoordinator,
  type LockManagerLike,
  type TabCoordinator,
  type TabCoordinatorOptions,
  type TabCoordinatorState,
} from './tab-coordinator'
