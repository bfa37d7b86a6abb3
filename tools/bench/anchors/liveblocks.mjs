// Liveblocks, as a presence + broadcast chat room uses it (react + client).
export { createClient } from '@liveblocks/client'
export {
  LiveblocksProvider,
  RoomProvider,
  useBroadcastEvent,
  useEventListener,
  useMyPresence,
  useOthers,
  useStatus,
  useUpdateMyPresence,
} from '@liveblocks/react'
