import { JobQueueService } from '@nself/jobs-client'
import { SignJWT } from 'jose'
import { jwtSecret } from '../../api/session/dev-secret'

export const dynamic = 'force-dynamic'

async function serviceToken(): Promise<string> {
  return new SignJWT({ userId: 'example-app', role: 'service' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(jwtSecret())
}

/**
 * Enqueues a job that fails every attempt, for the signed-in user. `simulate` is not a type a
 * user token may enqueue, so the app's server does it with a service token, naming the user
 * it acts for — the pattern for any privileged job type.
 */
export async function POST(request: Request) {
  const userId = await userOf(request)
  if (!userId) return Response.json({ error: 'Not signed in', code: 'UNAUTHENTICATED' }, { status: 401 })
  const jobs = new JobQueueService({ getToken: serviceToken })
  try {
    const job = await jobs.enqueue({
      type: 'simulate',
      payload: { durationMs: 1500, steps: 5, failAttempts: 100, error: 'The simulated upstream is down' },
      maxAttempts: 3,
      userId,
    })
    return Response.json({ id: job.id }, { status: 201 })
  } catch (error) {
    const status =
      typeof (error as { status?: number }).status === 'number' ? (error as { status: number }).status : 502
    return Response.json({ error: (error as Error).message }, { status })
  }
}

/** The user of the caller's own access token (verified, so nobody enqueues for someone else). */
async function userOf(request: Request): Promise<string | null> {
  const match = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')
  if (!match?.[1]) return null
  const { jwtVerify } = await import('jose')
  try {
    const { payload } = await jwtVerify(match[1], jwtSecret(), { algorithms: ['HS256'] })
    return typeof payload.userId === 'string' ? payload.userId : null
  } catch {
    return null
  }
}
