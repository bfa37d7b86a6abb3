import { createHash } from 'node:crypto'
import type { IdmeAttribute, IdmeGroup, IdmeGroupStatus } from '@nself/contracts/idme'

/** A person the fake ID.me can sign in as. */
export interface TestIdentity {
  /** ID.me's id of the person (`uuid` attribute, `sub` claim). */
  uuid: string
  email: string
  fname: string
  lname: string
  zip: string
  /** `military_branch` attribute, released when `military` is verified. */
  militaryBranch?: string
}

/** The identities listed on the fake authorize page. */
export const TEST_IDENTITIES: readonly TestIdentity[] = [
  identity('veteran@idme.test', 'Val', 'Veteran', '22201', 'Army'),
  identity('responder@idme.test', 'Riley', 'Responder', '60601'),
  identity('student@idme.test', 'Sam', 'Student', '02139'),
  identity('teacher@idme.test', 'Terry', 'Teacher', '94110'),
  identity('nurse@idme.test', 'Noor', 'Nurse', '10001'),
]

/** Subgroups the fake reports for a verified group (ID.me's `status[].subgroups`). */
const SUBGROUPS: Record<IdmeGroup, string[]> = {
  military: ['veteran'],
  responder: ['emt'],
  student: ['college_student'],
  teacher: ['k12_teacher'],
  government: ['federal_employee'],
  employee: [],
  hospital_employee: [],
  nurse: ['registered_nurse'],
  medical: ['physician'],
  alumni: [],
}

const SIMPLE_EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']{1,190}$/

/**
 * The identity for `email`: a listed one, or (so automated runs can use any address as
 * `login_hint`) one made up from the address, with a stable uuid. `undefined` for a string
 * that is not an email address.
 */
export function identityForEmail(email: string): TestIdentity | undefined {
  const normalized = email.trim().toLowerCase()
  if (!SIMPLE_EMAIL.test(normalized)) return undefined
  const listed = TEST_IDENTITIES.find((i) => i.email === normalized)
  if (listed) return listed
  const local = normalized.split('@')[0] ?? 'test'
  return identity(
    normalized,
    capitalize(local.replace(/[^a-z0-9]+/g, ' ').trim() || 'Test'),
    'Person',
    '00000',
  )
}

/** `status` as ID.me reports it: every requested group, verified or not. */
export function groupStatus(
  requested: readonly IdmeGroup[],
  verified: readonly IdmeGroup[],
): IdmeGroupStatus[] {
  return requested.map((group) => {
    const ok = verified.includes(group)
    return { group, subgroups: ok ? [...SUBGROUPS[group]] : [], verified: ok }
  })
}

/** The attributes ID.me releases for `person`, as `{ handle, name, value }`. */
export function attributesOf(person: TestIdentity, verified: readonly IdmeGroup[]): IdmeAttribute[] {
  const list: IdmeAttribute[] = [
    { handle: 'fname', name: 'First Name', value: person.fname },
    { handle: 'lname', name: 'Last Name', value: person.lname },
    { handle: 'email', name: 'Email', value: person.email },
    { handle: 'uuid', name: 'Unique Identifier', value: person.uuid },
    { handle: 'zip', name: 'Zip Code', value: person.zip },
  ]
  if (verified.includes('military'))
    list.push({ handle: 'military_branch', name: 'Military Branch', value: person.militaryBranch ?? 'Navy' })
  return list
}

function identity(
  email: string,
  fname: string,
  lname: string,
  zip: string,
  militaryBranch?: string,
): TestIdentity {
  const uuid = createHash('sha256').update(`idme-test:${email}`).digest('hex').slice(0, 32)
  return { uuid, email, fname, lname, zip, ...(militaryBranch ? { militaryBranch } : {}) }
}

function capitalize(text: string): string {
  return text.replace(/\b[a-z]/g, (c) => c.toUpperCase())
}
