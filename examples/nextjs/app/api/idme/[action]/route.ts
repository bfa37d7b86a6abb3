// The ID.me flow's four routes: /api/idme/start, /callback, /status (GET) and /revoke (POST).
// In development they talk to the fake ID.me of `nself-stubs` (http://localhost:3010) with its
// development client; set IDME_CLIENT_ID, IDME_CLIENT_SECRET, IDME_REDIRECT_URI (and
// IDME_BASE_URL or IDME_SANDBOX) for a real ID.me application.
import { createIdmeRouteHandlers, readCookie } from '@nself/idme-client/server'
import { DEV_USER_COOKIE, userFromCookie } from '../../session/dev-secret'

export const dynamic = 'force-dynamic'

const idme = createIdmeRouteHandlers({
  // The app's own session decides who is verifying: here the example's development sign-in.
  getUserId: (request) => userFromCookie(readCookie(request.headers.get('cookie'), DEV_USER_COOKIE)),
  defaultGroups: ['military'],
})

export function GET(request: Request): Promise<Response> {
  return idme.GET(request)
}

export function POST(request: Request): Promise<Response> {
  return idme.POST(request)
}
