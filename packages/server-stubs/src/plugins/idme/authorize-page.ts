import { IDME_GROUP_LABELS, type IdmeGroup } from '@nself/contracts/idme'
import { type Reply, text } from '../../http/reply'
import type { TestIdentity } from './identities'

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The page loads nothing and cannot be framed. (No form-action: browsers apply it to the
  // redirect back to the app as well.)
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

const STYLE = `body{font:16px/1.45 system-ui,sans-serif;margin:0;background:#f4f6fb;color:#1b2330}
main{max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0001}
h1{font-size:1.3rem;margin:0 0 .25rem}.fake{display:inline-block;background:#fde68a;border-radius:4px;padding:0 .4rem;font-size:.8rem}
fieldset{border:1px solid #d5dbe7;border-radius:8px;margin:1rem 0;padding:.5rem 1rem}label{display:block;padding:.25rem 0}
small{color:#5b6576}.actions{display:flex;gap:.75rem;flex-wrap:wrap}button{font:inherit;padding:.6rem 1.2rem;border-radius:8px;border:1px solid #2f5bd3;cursor:pointer}
button[value=allow]{background:#2f5bd3;color:#fff}button[value=deny]{background:#fff;color:#2f5bd3}input[type=email]{font:inherit;padding:.3rem;width:100%;box-sizing:border-box}
@media (max-width:30rem){main{margin:0;border-radius:0}}`

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )
}

function page(title: string, body: string, status = 200): Reply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`
  return text(html, status, HTML_HEADERS)
}

/** What the sign-in page shows. */
export interface AuthorizePageModel {
  requestId: string
  clientId: string
  redirectHost: string
  groups: readonly IdmeGroup[]
  identities: readonly TestIdentity[]
}

/**
 * The fake ID.me's sign-in page: pick a test identity, tick the groups it is verified for,
 * then Continue (a code goes back to the app) or Cancel (`error=access_denied`).
 */
export function authorizePage(model: AuthorizePageModel): Reply {
  const people = model.identities
    .map(
      (p, i) =>
        `<label><input type="radio" name="identity" value="${escapeHtml(p.email)}"${i === 0 ? ' checked' : ''} data-testid="idme-identity"> ${escapeHtml(`${p.fname} ${p.lname}`)} <small>${escapeHtml(p.email)}</small></label>`,
    )
    .join('')
  const groups = model.groups
    .map(
      (g) =>
        `<label><input type="checkbox" name="groups" value="${g}" checked data-testid="idme-group-${g}"> ${escapeHtml(IDME_GROUP_LABELS[g])} <small>${g}</small></label>`,
    )
    .join('')
  const body = `<h1>Sign in with ID.me <span class="fake">local fake</span></h1>
<p><small><strong>${escapeHtml(model.clientId)}</strong> asks to verify your identity; you will return to ${escapeHtml(model.redirectHost)}. Nothing here talks to the real ID.me.</small></p>
<form method="post" action="" data-testid="idme-authorize-form">
<input type="hidden" name="request_id" value="${escapeHtml(model.requestId)}">
<fieldset><legend>Test identity</legend>${people}
<label>or any email <input type="email" name="email" placeholder="someone@example.com" autocomplete="off" data-testid="idme-email"></label></fieldset>
${groups ? `<fieldset><legend>Verified for</legend>${groups}</fieldset>` : ''}
<div class="actions"><button type="submit" name="action" value="allow" data-testid="idme-continue">Continue</button>
<button type="submit" name="action" value="deny" data-testid="idme-cancel">Cancel</button></div>
</form>`
  return page('Sign in with ID.me (local fake)', body)
}

/** An error page, for requests that must not be redirected (unknown client, unregistered redirect URI). */
export function errorPage(status: number, title: string, detail: string): Reply {
  return page(
    title,
    `<h1>${escapeHtml(title)} <span class="fake">local fake</span></h1><p>${escapeHtml(detail)}</p>`,
    status,
  )
}
