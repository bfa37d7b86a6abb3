/** A random UUID v4 (for idempotency keys and client message ids). */
export function randomId(): string {
  const c = globalThis.crypto
  if (c?.randomUUID) return c.randomUUID()
  // No randomUUID (an insecure context): one random byte per hex digit, the version digit fixed
  // by the template and the variant digit forced to 8–b.
  const bytes = new Uint8Array(31)
  if (c?.getRandomValues) c.getRandomValues(bytes)
  else for (let i = 0; i < 31; i++) bytes[i] = Math.random() * 256
  let i = 0
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (ch) => {
    const n = (bytes[i++] ?? 0) & 15
    return (ch === 'x' ? n : (n & 3) | 8).toString(16)
  })
}
