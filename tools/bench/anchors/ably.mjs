// Ably, as a presence + channel chat room uses it (the default browser build + ably/react).
export { Realtime } from 'ably'
export {
  AblyProvider,
  ChannelProvider,
  useChannel,
  useConnectionStateListener,
  usePresence,
  usePresenceListener,
} from 'ably/react'
