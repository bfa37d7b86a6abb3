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

/** The parts of a digest: one message listing several notifications. */
export interface DigestContent {
  /** `You have N new notifications`. */
  subject: string
  /** Plain text: the subject, then each title with its body indented. */
  text: string
  /** The email's HTML: the same list, every value escaped. */
  html: string
  /** One line per title after the subject, for SMS and push. */
  short: string
}

/** Renders a digest of `items` (oldest first). */
export function digestContent(items: ReadonlyArray<{ title: string; body: string }>): DigestContent {
  const subject = `You have ${items.length} new notification${items.length === 1 ? '' : 's'}`
  const text = [
    subject,
    ...items.map(({ title, body }) =>
      [`- ${title}`, ...(body ? body.split('\n').map((line) => `  ${line}`) : [])].join('\n'),
    ),
  ].join('\n\n')
  const list = items
    .map(({ title, body }) => {
      const rest = body ? `<br>${escapeHtml(body).replace(/\n/g, '<br>')}` : ''
      return `<li><strong>${escapeHtml(title)}</strong>${rest}</li>`
    })
    .join('')
  return {
    subject,
    text,
    html: `<!doctype html><html><body><h1>${escapeHtml(subject)}</h1><ul>${list}</ul></body></html>`,
    short: [subject, ...items.map((i) => `- ${i.title}`)].join('\n'),
  }
}
