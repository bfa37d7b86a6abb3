/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function lookup(data: Record<string, unknown>, path: string): unknown {
  let value: unknown = data
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/**
 * Replaces `{{name}}` and `{{a.b}}` with values from `data` (missing → empty). With
 * `html: true` every value is HTML-escaped, so data can never inject markup into an email.
 */
export function renderTemplate(
  template: string | null | undefined,
  data: Record<string, unknown>,
  html = false,
): string | null {
  if (template === null || template === undefined) return null
  return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, path: string) => {
    const text = stringify(lookup(data, path))
    return html ? escapeHtml(text) : text
  })
}

/** The built-in email layout when no template matches: title and body, escaped. */
export function defaultEmailHtml(title: string, body: string): string {
  const paragraphs = body
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('')
  return `<!doctype html><html><body><h1>${escapeHtml(title)}</h1>${paragraphs}</body></html>`
}
