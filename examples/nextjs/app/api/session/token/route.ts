import { SignJWT } from 'jose'
import { cookies } from 'next/headers'
import { DEV_USER_COOKIE, jwtSecret, userFromCookie } from '../dev-secret'

export const dynamic = 'force-dynamic'

/** A short-lived access token for the signed-in development user. */
export async function GET() {
  const userId = userFromCookie((await cookies()).get(DEV_USER_COOKIE)?.value)
  if (!userId) return Response.json({ error: 'Not signed in', code: 'UNAUTHENTICATED' }, { status: 401 })
  const expiresIn = 15 * 60
  const token = await new SignJWT({ userId, sessionId: `example-${userId}` })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(`${expiresIn}s`)
    .sign(jwtSecret())
  return Response.json(
    { token, expiresAt: Date.now() + expiresIn * 1000, userId },
    { headers: { 'cache-control': 'no-store' } },
  )
}
