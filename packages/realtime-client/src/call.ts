import { createStore, NselfError, type ReadableStore, randomId, toNselfError } from '@nself/client-core'
import type { CallOffer } from '@nself/contracts/realtime'
import type { RealtimeClient } from './types'

/** Where a call is. */
export type CallStatus = 'idle' | 'calling' | 'ringing' | 'connecting' | 'connected' | 'ended'

/** The state of a {@link CallSession}. */
export interface CallState {
  status: CallStatus
  callId: string | null
  /** The other user. */
  peerUserId: string | null
  direction: 'outgoing' | 'incoming' | null
  media: 'audio' | 'video'
  localStream: MediaStream | null
  remoteStream: MediaStream | null
  /** Why the call ended: `hangup`, `declined`, `busy`, `failed` or `timeout`. */
  endReason: string | null
  error: NselfError | null
}

/** The WebRTC objects a call uses; inject fakes in tests. */
export interface CallOptions {
  /** Default `new RTCPeerConnection(rtcConfig)`. */
  createPeerConnection?: (config?: RTCConfiguration) => RTCPeerConnection
  /** Default `navigator.mediaDevices.getUserMedia`. */
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>
  /** ICE servers and the like. */
  rtcConfig?: RTCConfiguration
  /** An unanswered call ends with `timeout` after this many ms. Default 30 000. */
  ringTimeoutMs?: number
}

/** One-to-one call signaling in a room over `call:offer|answer|ice-candidate|hangup`. */
export interface CallSession extends ReadableStore<CallState> {
  /** Calls `userId` (a member of the room). */
  call(userId: string, options?: { media?: 'audio' | 'video' }): Promise<void>
  /** Answers the ringing call. */
  accept(): Promise<void>
  /** Refuses the ringing call. */
  decline(): void
  /** Ends the call (or stops calling). */
  hangup(reason?: 'hangup' | 'declined' | 'busy' | 'failed' | 'timeout'): void
}

const IDLE: CallState = {
  status: 'idle',
  callId: null,
  peerUserId: null,
  direction: null,
  media: 'audio',
  localStream: null,
  remoteStream: null,
  endReason: null,
  error: null,
}

/**
 * Creates the signaling for calls in `roomName`. It listens to the server only while its store
 * has subscribers (as `useCall` does). SDP and ICE go through the realtime server; media flows
 * peer to peer.
 */
export function createCallSession(
  client: RealtimeClient,
  roomName: string,
  options: CallOptions | (() => CallOptions) = {},
): CallSession {
  let pc: RTCPeerConnection | undefined
  let offer = ''
  let queued: RTCIceCandidateInit[] = []
  let ring: ReturnType<typeof setTimeout> | undefined
  let offs: Array<() => void> = []
  const opts = () => (typeof options === 'function' ? options() : options)
  const store = createStore<CallState>(IDLE, {
    onFirstSubscribe() {
      offs = [
        client.on('call:offer', (p) => {
          if (p.roomName !== roomName) return
          const s = store.getSnapshot().status
          if (s !== 'idle' && s !== 'ended') return signal('call:hangup', p, 'busy')
          offer = p.sdp
          queued = []
          set({
            ...IDLE,
            status: 'ringing',
            callId: p.callId,
            peerUserId: p.fromUserId,
            direction: 'incoming',
            media: p.media ?? 'audio',
          })
          timeout()
        }),
        client.on('call:answer', (p) => {
          if (!mine(p) || !pc) return
          clearTimeout(ring)
          set({ status: 'connecting' })
          pc.setRemoteDescription({ type: 'answer', sdp: p.sdp }).then(flush, fail)
        }),
        client.on('call:ice-candidate', (p) => {
          if (!mine(p)) return
          if (pc?.remoteDescription) pc.addIceCandidate(p.candidate).catch(() => {})
          else queued.push(p.candidate)
        }),
        client.on('call:hangup', (p) => mine(p) && end(p.reason ?? 'hangup')),
      ]
    },
    onLastUnsubscribe() {
      session.hangup()
      for (const off of offs) off()
      offs = []
    },
  })
  const get = store.getSnapshot
  const set = (patch: Partial<CallState>) => store.setState((s) => ({ ...s, ...patch }))
  const mine = (p: { roomName: string; callId: string }) =>
    p.roomName === roomName && p.callId === get().callId
  const signal = (
    event: 'call:offer' | 'call:answer' | 'call:ice-candidate' | 'call:hangup',
    p: { callId: string; fromUserId: string },
    reason?: string,
    extra?: object,
  ) =>
    client
      .request(event, {
        roomName,
        callId: p.callId,
        toUserId: p.fromUserId,
        ...(reason && { reason }),
        ...extra,
      } as never)
      .catch((e) => event !== 'call:hangup' && fail(e))
  const peer = () => ({ callId: get().callId ?? '', fromUserId: get().peerUserId ?? '' })
  const timeout = () => {
    clearTimeout(ring)
    ring = setTimeout(() => session.hangup('timeout'), opts().ringTimeoutMs ?? 30_000)
  }
  const flush = () => {
    for (const c of queued) pc?.addIceCandidate(c).catch(() => {})
    queued = []
  }
  const fail = (e: unknown) => {
    if (get().status === 'ended' || get().status === 'idle') return
    set({ error: toNselfError(e, 'UPSTREAM_ERROR') })
    session.hangup('failed')
  }

  function end(reason: string) {
    clearTimeout(ring)
    pc?.close()
    pc = undefined
    for (const t of get().localStream?.getTracks() ?? []) t.stop()
    set({ status: 'ended', endReason: reason, localStream: null, remoteStream: null })
  }

  async function open(media: 'audio' | 'video') {
    const o = opts()
    const getUserMedia = o.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c))
    const stream = await getUserMedia({ audio: true, video: media === 'video' })
    const c = (o.createPeerConnection ?? ((cfg) => new RTCPeerConnection(cfg)))(o.rtcConfig)
    pc = c
    set({ localStream: stream })
    for (const track of stream.getTracks()) c.addTrack(track, stream)
    c.onicecandidate = (e) =>
      e.candidate &&
      pc === c &&
      signal('call:ice-candidate', peer(), undefined, { candidate: e.candidate.toJSON() })
    c.ontrack = (e) => pc === c && set({ remoteStream: e.streams[0] ?? null })
    c.onconnectionstatechange = () => {
      if (pc !== c) return
      if (c.connectionState === 'connected') set({ status: 'connected' })
      if (c.connectionState === 'failed') session.hangup('failed')
    }
    return c
  }

  const session: CallSession = {
    getSnapshot: get,
    subscribe: store.subscribe,
    async call(userId, { media = 'audio' } = {}) {
      const s = get().status
      if (s !== 'idle' && s !== 'ended') throw new NselfError('CONFLICT', 'A call is already in progress')
      const callId = randomId()
      set({ ...IDLE, status: 'calling', callId, peerUserId: userId, direction: 'outgoing', media })
      timeout()
      try {
        const c = await open(media)
        const o = await c.createOffer()
        await c.setLocalDescription(o)
        if (pc === c)
          await signal('call:offer', peer(), undefined, {
            sdp: o.sdp ?? '',
            media,
          } satisfies Partial<CallOffer>)
      } catch (e) {
        fail(e)
      }
    },
    async accept() {
      if (get().status !== 'ringing') return
      clearTimeout(ring)
      set({ status: 'connecting' })
      try {
        const c = await open(get().media)
        await c.setRemoteDescription({ type: 'offer', sdp: offer })
        flush()
        const a = await c.createAnswer()
        await c.setLocalDescription(a)
        if (pc === c) await signal('call:answer', peer(), undefined, { sdp: a.sdp ?? '' })
      } catch (e) {
        fail(e)
      }
    },
    decline: () => session.hangup('declined'),
    hangup(reason = 'hangup') {
      const s = get().status
      if (s === 'idle' || s === 'ended') return
      signal('call:hangup', peer(), reason)
      end(reason)
    },
  }
  return session
}
