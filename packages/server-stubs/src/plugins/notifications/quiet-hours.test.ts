import { describe, expect, it } from 'vitest'
import { digestDueAt, nextDigestAt, quietUntil } from './quiet-hours'
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
    // The local hour: Kolkata is UTC+5:30.
    expect(nextDigestAt(wed, 'hourly', 'Asia/Kolkata')).toBe(at('2026-01-14T10:30:00Z'))
  })

  it('digests land on local midnight across daylight-saving changes', () => {
    // New York springs forward on 2026-03-08 and falls back on 2026-11-01 (both at 02:00).
    expect(nextDigestAt(at('2026-03-08T06:00:00Z'), 'daily', 'America/New_York')).toBe(
      at('2026-03-09T04:00:00Z'),
    )
    expect(nextDigestAt(at('2026-11-01T05:00:00Z'), 'daily', 'America/New_York')).toBe(
      at('2026-11-02T05:00:00Z'),
    )
    expect(nextDigestAt(at('2026-03-04T12:00:00Z'), 'weekly', 'America/New_York')).toBe(
      at('2026-03-09T04:00:00Z'),
    )
  })

  it('a digest boundary inside quiet hours moves to their end', () => {
    const quiet = { start: '22:00', end: '07:00' }
    expect(digestDueAt(at('2026-01-14T21:30:00Z'), 'hourly', quiet, 'UTC')).toBe(at('2026-01-15T07:00:00Z'))
    expect(digestDueAt(at('2026-01-14T20:30:00Z'), 'hourly', quiet, 'UTC')).toBe(at('2026-01-14T21:00:00Z'))
    expect(digestDueAt(at('2026-01-14T20:30:00Z'), 'immediate', quiet, 'UTC')).toBeNull()
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
