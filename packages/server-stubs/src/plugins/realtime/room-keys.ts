// Socket.IO room names. Client rooms and user rooms are prefixed so that a client can never
// join another socket's own room (named after its id) or a user's room by choosing its name.

/** The Socket.IO room of a client room. */
export function roomKey(roomName: string): string {
  return `room:${roomName}`
}

/** The Socket.IO room holding every socket of a user (on every instance). */
export function userKey(userId: string): string {
  return `user:${userId}`
}

/** The client room name of a Socket.IO room, or `undefined` for socket and user rooms. */
export function roomNameOf(key: string): string | undefined {
  return key.startsWith('room:') ? key.slice(5) : undefined
}
