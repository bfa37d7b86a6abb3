import { createStore, type NselfError, type ReadableStore, toNselfError } from '@nself/client-core'
import { actOptimistically, type InboxAction, merge, pickCounts, shiftCounts } from './inbox-logic'
import type { NotificationService } from './notification-service'
import type { InboxCounts, InboxFilter, InboxNotification } from './wire'

/** What an {@link InboxStore} holds. */
export interface InboxState {
  /** Loaded notifications matching the filter, newest first. */
  notifications: InboxNotification[]
  /** Counts of the whole inbox, reconciled from the server on every live event. */
  counts: InboxCounts
  /** `idle` until subscribed, then `loading`, `ready` or `error`. */
  status: 'idle' | 'loading' | 'ready' | 'error'
  /** The last load error. */
  error: NselfError | null
  /** Whether {@link InboxStore.loadMore} has more to load. */
  hasMore: boolean
}

/** A live inbox without React: subscribe, read `getSnapshot()`, act optimistically. */
export interface InboxStore extends ReadableStore<InboxState> {
  /** Reloads the first page and the counts. */
  refresh(): Promise<void>
  /** Appends the next page. */
  loadMore(): Promise<void>
  /** Applies `action` at once; rolls back and rejects with an `NselfError` if the server refuses. */
  act(id: string, action: InboxAction): Promise<void>
  /** `act(id, 'read')`. */
  markAsRead(id: string): Promise<void>
  /** `act(id, 'archive')`. */
  archive(id: string): Promise<void>
  /** Marks all (matching the filter's type) read. */
  markAllAsRead(): Promise<void>
}

/** Creates the inbox store of {@link NotificationService.inbox}. */
export function createInboxStore(
  service: NotificationService,
  filter: InboxFilter,
  limit: number,
): InboxStore {
  let cursor: string | null = null
  let unlisten: (() => void) | undefined
  const store = createStore<InboxState>(
    {
      notifications: [],
      counts: { unread: 0, unseen: 0, total: 0 },
      status: 'idle',
      error: null,
      hasMore: false,
    },
    {
      onFirstSubscribe() {
        unlisten = service.subscribe((event) => {
          if (event.type === 'counts' && event.resync) void refresh()
          store.setState((s) => ({
            ...s,
            counts: event.counts,
            notifications:
              event.type === 'counts' ? s.notifications : merge(s.notifications, event.notification, filter),
          }))
        })
        void refresh()
      },
      onLastUnsubscribe() {
        unlisten?.()
      },
    },
  )
  const set = (patch: Partial<InboxState>) => store.setState((s) => ({ ...s, ...patch }))

  async function load(more: boolean): Promise<void> {
    if (!more) set({ status: 'loading' })
    try {
      const [page, counts] = await Promise.all([
        service.listInbox({ ...filter, limit, ...(more && cursor ? { cursor } : {}) }),
        more ? undefined : service.getCounts(),
      ])
      cursor = page.nextCursor
      store.setState((s) => ({
        ...s,
        status: 'ready',
        error: null,
        hasMore: cursor !== null,
        notifications: more
          ? [
              ...s.notifications,
              ...page.notifications.filter((n) => !s.notifications.some((m) => m.id === n.id)),
            ]
          : page.notifications,
        ...(counts ? { counts: pickCounts(counts) } : {}),
      }))
    } catch (error) {
      set({ status: 'error', error: toNselfError(error) })
    }
  }
  const refresh = () => load(false)
  const find = (id: string) => store.getSnapshot().notifications.find((n) => n.id === id)

  const act = (id: string, action: InboxAction) =>
    actOptimistically(service, id, action, find(id), (item, from) =>
      store.setState((s) => ({
        ...s,
        notifications: merge(s.notifications, item, filter),
        counts: from ? shiftCounts(s.counts, from, item) : s.counts,
      })),
    )

  return {
    getSnapshot: store.getSnapshot,
    subscribe: store.subscribe,
    refresh,
    loadMore: () => (cursor ? load(true) : Promise.resolve()),
    act,
    markAsRead: (id) => act(id, 'read'),
    archive: (id) => act(id, 'archive'),
    async markAllAsRead() {
      const { counts } = await service.markAllAsRead(filter.type ? { type: filter.type } : {})
      set({ counts })
    },
  }
}
