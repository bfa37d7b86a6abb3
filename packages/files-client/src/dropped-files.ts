/**
 * The files of a drop or paste event (`DragEvent.dataTransfer`, `ClipboardEvent.clipboardData`,
 * or React's wrappers of them): `[]` when it carries none, e.g. pasted text.
 */
export function filesFromEvent(event: {
  dataTransfer?: DataTransfer | null
  clipboardData?: DataTransfer | null
}): File[] {
  return Array.from((event.dataTransfer ?? event.clipboardData)?.files ?? [])
}
