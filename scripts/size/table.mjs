// Plain-text tables for the size and bench reports.

/** Renders rows (arrays of strings) under headers; columns listed in `right` are right-aligned. */
export function renderTable(headers, rows, { right = [] } = {}) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)))
  const line = (cells) =>
    cells
      .map((cell, i) => {
        const text = String(cell ?? '')
        return right.includes(i) ? text.padStart(widths[i]) : text.padEnd(widths[i])
      })
      .join('  ')
      .trimEnd()
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
