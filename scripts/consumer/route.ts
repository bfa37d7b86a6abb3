// A route handler using a service from the packages, CommonJS-free ESM on the server.
import { isNselfError } from '@nself/client-core'
import { getRealtimeHealth } from '@nself/realtime-client'

export const dynamic = 'force-dynamic'

export async function GET() {
  try {
    return Response.json(await getRealtimeHealth({ timeoutMs: 500 }))
  } catch (error) {
    return Response.json({ error: isNselfError(error) ? error.code : 'unknown' }, { status: 503 })
  }
}
