/**
 * A signal that aborts when any of `signals` aborts (or after `timeoutMs`), and a `dispose`
 * that removes the listeners and the timer so nothing outlives the request.
 */
export function combineSignals(
  signals: Array<AbortSignal | undefined>,
  timeoutMs?: number,
): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController()
  let timedOut = false
  const cleanups: Array<() => void> = []
  for (const s of signals) {
    if (!s) continue
    if (s.aborted) {
      controller.abort(s.reason)
      break
    }
    const onAbort = () => controller.abort(s.reason)
    s.addEventListener('abort', onAbort, { once: true })
    cleanups.push(() => s.removeEventListener('abort', onAbort))
  }
  if (timeoutMs !== undefined && timeoutMs > 0 && !controller.signal.aborted) {
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort(new DOMException('The operation timed out', 'TimeoutError'))
    }, timeoutMs)
    cleanups.push(() => clearTimeout(timer))
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      for (const c of cleanups) c()
    },
  }
}
