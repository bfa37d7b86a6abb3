import { NOTIFICATIONS_SERVICE_WORKER } from '@nself/notifications-client'

// The web push service worker, served at /notifications/sw.js (its scope: /notifications/).
export const dynamic = 'force-static'

export function GET() {
  return new Response(NOTIFICATIONS_SERVICE_WORKER, {
    headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' },
  })
}
