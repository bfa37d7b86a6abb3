/**
 * The typing line for a list of names: `"A is typing…"`, `"A and B are typing…"`,
 * `"A, B and C are typing…"`, `"A, B and 3 others are typing…"`; `""` for nobody.
 */
export function formatTyping(names: readonly string[]): string {
  const [a, b, c] = names
  const n = names.length
  if (!n) return ''
  if (n === 1) return `${a} is typing…`
  const list = n === 2 ? `${a} and ${b}` : n === 3 ? `${a}, ${b} and ${c}` : `${a}, ${b} and ${n - 2} others`
  return `${list} are typing…`
}
