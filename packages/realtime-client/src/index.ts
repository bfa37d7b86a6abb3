export type { HealthOptions } from '@nself/client-core'
export { isNselfError, NselfError } from '@nself/client-core'
export {
  type CallOptions,
  type CallSession,
  type CallState,
  type CallStatus,
  createCallSession,
} from './call'
export { getRealtimeHealth } from './health'
export {
  RealtimeProvider,
  type RealtimeProviderProps,
  useRealtimeClient,
} from './react/realtime-provider'
export { type UseCall, useCall } from './react/use-call'
export { useConnectionStatus } from './react/use-connection-status'
export { usePresence } from './react/use-presence'
export { type UseRealtime, useRealtime } from './react/use-realtime'
export { useRealtimeEvent } from './react/use-realtime-event'
export { type UseRoom, useRoom } from './react/use-room'
export { type UseTyping, useTyping } from './react/use-typing'
export { createRealtimeClient, fromWirePresence, RealtimeClient, toWireStatus } from './realtime-client'
export type {
  AckData,
  ClientEvents,
  ConnectionState,
  ConnectionStatus,
  CustomStatus,
  Message,
  OutboxState,
  Presence,
  PresenceStatus,
  RealtimeClientOptions,
  RealtimeState,
  RoomState,
  SendOptions,
  ServerEvents,
  Typist,
} from './types'
export { formatTyping } from './typing-text'
