import type { RealtimeFeature } from './handlers'

/** `ping` → `pong { timestamp }`, the server's own clock in ms (as the real plugin does). */
export const pingFeature: RealtimeFeature = {
  name: 'ping',
  register(socket) {
    socket.on('ping', () => {
      socket.emit('pong', { timestamp: Date.now() })
    })
  },
}
