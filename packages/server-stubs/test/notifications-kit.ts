// HTTP helpers for the notifications server's tests (not built, not published).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { signDevToken } from '../src/auth/jwt'
import type { NotificationsServer } from '../src/plugins/notifications/server'

/** A bearer token for `userId` signed with `secret` (`role: 'service'` for server-to-server calls). */
export const tokenFor = (secret: string) => (userId: string, role?: string) =>
  signDevToken({ userId, ...(role ? { role } : {}) }, secret)

/** One JSON request to the stub as `bearer`. */
export async function call(
  server: NotificationsServer,
  bearer: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
  }
}

/** Reads until `ok` holds or `ms` pass, and returns the last value read. */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 5_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await read()
    if (ok(value) || Date.now() > end) return value
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A port nothing listens on (an SMTP server that is down). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise((r) => server.close(r))
  return port
}
