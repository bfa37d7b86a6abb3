import { IDME_GROUP_LABELS, normalizeIdmeGroup } from '@nself/contracts/idme'

/** The label of a group for badges and buttons (`military` or `veteran` → "Military"); the name itself when unknown. */
export function idmeGroupLabel(group: string): string {
  const g = normalizeIdmeGroup(group)
  return g ? IDME_GROUP_LABELS[g] : group
}
