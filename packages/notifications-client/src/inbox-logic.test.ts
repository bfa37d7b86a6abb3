import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type InboxAction, matches, merge, predict, shiftCounts } from './inbox-logic'
import type { InboxCounts, InboxNotification } from './wire'

const item = (i: number): InboxNotification => ({
  id: `n${i}`,
  userId: 'u',
  type: i % 2 ? 'message' : 'mention',
  title: `t${i}`,
  body: '',
  data: {},
  senderId: null,
  createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  readAt: null,
  seenAt: null,
  archivedAt: null,
})

function recount(items: InboxNotification[]): InboxCounts {
  const live = items.filter((i) => i.archivedAt === null)
  return {
    total: live.length,
    unread: live.filter((i) => i.readAt === null).length,
    unseen: live.filter((i) => i.seenAt === null).length,
  }
}

const ACTIONS: InboxAction[] = ['read', 'unread', 'seen', 'archive', 'unarchive']

describe('inbox logic', () => {
  it('incremental counts equal a full recount after any sequence of actions (the badge cannot drift)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(9), fc.constantFrom(...ACTIONS)), { maxLength: 60 }), (steps) => {
        const items = Array.from({ length: 10 }, (_, i) => item(i))
        let counts = recount(items)
        for (const [index, action] of steps) {
          const before = items[index] as InboxNotification
          const after = predict(before, action)
          items[index] = after
          counts = shiftCounts(counts, before, after)
        }
        expect(counts).toEqual(recount(items))
      }),
    )
  })

  it('merge keeps each list exactly the items its filter wants, newest first, without duplicates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(9), fc.constantFrom(...ACTIONS)), { maxLength: 40 }),
        fc.constantFrom('all' as const, 'unread' as const, 'read' as const, 'archived' as const),
        (steps, status) => {
          const items = Array.from({ length: 10 }, (_, i) => item(i))
          let list = items.filter((i) => matches(i, { status })).reverse()
          for (const [index, action] of steps) {
            const next = predict(items[index] as InboxNotification, action)
            items[index] = next
            list = merge(list, next, { status })
          }
          const expected = items.filter((i) => matches(i, { status })).reverse()
          expect(list.map((i) => i.id)).toEqual(expected.map((i) => i.id))
        },
      ),
    )
  })
})
