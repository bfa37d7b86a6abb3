'use client'
import { useStore } from '@nself/client-core/react'
import { useMemo, useRef } from 'react'
import { type CallOptions, type CallSession, type CallState, createCallSession } from '../call'
import { useRealtimeClient } from './realtime-provider'

/** What {@link useCall} returns: the call's state and its actions. */
export type UseCall = CallState & Pick<CallSession, 'call' | 'accept' | 'decline' | 'hangup'>

/**
 * One-to-one WebRTC calls with members of `roomName`, signaled through the realtime server
 * (`call:offer`, `call:answer`, `call:ice-candidate`, `call:hangup`). A call still running
 * when the component unmounts is hung up. Pass `createPeerConnection` / `getUserMedia` to
 * use other WebRTC objects (tests, native wrappers).
 */
export function useCall(roomName: string, options?: CallOptions): UseCall {
  const client = useRealtimeClient()
  const latest = useRef(options)
  latest.current = options
  const session = useMemo(
    () => createCallSession(client, roomName, () => latest.current ?? {}),
    [client, roomName],
  )
  const state = useStore(session)
  return useMemo(
    () => ({
      ...state,
      call: session.call,
      accept: session.accept,
      decline: session.decline,
      hangup: session.hangup,
    }),
    [state, session],
  )
}
