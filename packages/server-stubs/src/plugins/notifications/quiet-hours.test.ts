import { describe, expect, it } from 'vitest'
import { nextDigestAt, quietUntil } from './quiet-hours'
import { escapeHtml, renderTemplate } from './template-render'

const at = (iso: string) => Date.parse(iso)

describe('quiet hours', () => {
  it('span midnight in the user’s time zone and end at quiet_end local time', () => {
    // 23:30 in Paris (UTC+1 in winter) is inside 22:00–07:00; it ends at 07:00 Paris = 06:00 UTC.
    expect(quietUntil(at('2026-01-15T22:30:00Z'), '22:00', '07:00', 'Europe/Paris')).toBe(
      at('2026-01-16T06:00:00Z'),
    )
    expect(quietUntil(at('2026-01-15T12:00:00Z'), '22:00', '07:00', 'Europe/Paris')).toBeNull()
    // Same-day window.
    expect(quietUntil(at('2026-01-15T13:15:00Z'), '13:00', '14:00', 'UTC')).toBe(at('2026-01-15T14:00:00Z'))
    expect(quietUntil(at('2026-01-15T14:00:00Z'), '13:00', '14:00', 'UTC')).toBeNull()
    expect(quietUntil(at('2026-01-15T13:15:00Z'), null, '14:00', 'UTC')).toBeNull()
  })

  it('digests wait for the next hour, local midnight, or local Monday', () => {
    const wed = at('2026-01-14T10:20:00Z') // a Wednesday
    expect(nextDigestAt(wed, 'immediate', 'UTC')).toBeNull()
    expect(nextDigestAt(wed, 'hourly', 'UTC')).toBe(at('2026-01-14T11:00:00Z'))
    expect(nextDigestAt(wed, 'daily', 'UTC')).toBe(at('2026-01-15T00:00:00Z'))
    expect(nextDigestAt(wed, 'weekly', 'UTC')).toBe(at('2026-01-19T00:00:00Z'))
    expect(nextDigestAt(wed, 'daily', 'America/New_York')).toBe(at('2026-01-15T05:00:00Z'))
  })
})

describe('templates', () => {
  it('render nested variables; HTML output escapes every value', () => {
    const data = { user: { name: '<b>"Al" & \'Bo\'</b>' }, n: 3 }
    expect(renderTemplate('Hi {{ user.name }} ({{n}}){{missing}}', data)).toBe('Hi <b>"Al" & \'Bo\'</b> (3)')
    expect(renderTemplate('<p>{{user.name}}</p>', data, true)).toBe(
      '<p>&lt;b&gt;&quot;Al&quot; &amp; &#39;Bo&#39;&lt;/b&gt;</p>',
    )
    expect(renderTemplate(null, data)).toBeNull()
    expect(renderTemplate('{{__proto__.x}}{{constructor}}', data)).toBe('')
    expect(escapeHtml('&<>')).toBe('&amp;&lt;&gt;')
  })
})
