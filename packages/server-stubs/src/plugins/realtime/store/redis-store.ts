import { type MessageNew, MessageNewSchema } from '@nself/contracts/realtime'
import type { Redis } from 'ioredis'
import {
  countPresence,
  parsePresence,
  presenceOnActivity,
  presenceOnConnect,
  presenceOnExpiry,
  presenceOnIdle,
  presenceOnSet,
} from './presence-rules'
import {
  applyTyping,
  defaultPresence,
  type MessageAck,
  type PresenceChange,
  type RealtimeStore,
  type ReplayRetention,
  type RoomRecord,
  replayFrom,
  type StoredPresence,
  type TypingChange,
  type TypingEntry,
  type TypingOp,
  type UserPresence,
} from './realtime-store'

// Compare-and-set of a string key or a hash field: the transitions are computed in
// JavaScript (the same pure rules as the memory store) and written only if nobody changed
// the value meanwhile; on a conflict the current value comes back and the rule is re-applied.
// ARGV[1] = expected ('' = absent), ARGV[2] = new ('' = delete), ARGV[3] = PX ms (0 = none).
const CAS_STRING = `
local cur = redis.call('GET', KEYS[1])
if (cur == false and ARGV[1] == '') or cur == ARGV[1] then
  if ARGV[2] == '' then redis.call('DEL', KEYS[1])
  elseif tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  else redis.call('SET', KEYS[1], ARGV[2]) end
  return {1, ''}
end
return {0, cur or ''}
`
// KEYS[1] = hash; ARGV[1] = field, ARGV[2] = expected, ARGV[3] = new ('' = delete).
const CAS_FIELD = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if (cur == false and ARGV[2] == '') or cur == ARGV[2] then
  if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
  return {1, ''}
end
return {0, cur or ''}
`

// A room's replay buffer: a sorted set scored by the timestamp in ms, member = the message JSON
// (unique through its id). Messages of the same ms get 1/1024 steps above the last one, so the
// set keeps their append order. Then trims by age and count and renews the key's TTL.
// KEYS[1] = buffer; ARGV[1] = ms, ARGV[2] = '(' .. ms + 1, ARGV[3] = member,
// ARGV[4] = '(' .. oldest ms kept, ARGV[5] = limit, ARGV[6] = max age ms.
const APPEND_REPLAY = `
local ms = tonumber(ARGV[1])
local score = ms
local top = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[2], ms, 'WITHSCORES', 'LIMIT', 0, 1)
if top[2] then score = math.min(tonumber(top[2]) + 1 / 1024, ms + 1023 / 1024) end
redis.call('ZADD', KEYS[1], score, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[5]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
`

interface CasCommands {
  nselfCasString(key: string, expected: string, next: string, px: number): Promise<[number, string]>
  nselfCasField(key: string, field: string, expected: string, next: string): Promise<[number, string]>
  nselfAppendReplay(
    key: string,
    ms: number,
    below: string,
    member: string,
    oldest: string,
    limit: number,
    maxAgeMs: number,
  ): Promise<number>
}

/** Options of {@link RedisRealtimeStore}. */
export interface RedisRealtimeStoreOptions {
  /** The client the store runs its commands on; `close()` quits it. */
  redis: Redis
  /** Prefix of every key. */
  prefix: string
  /** This instance's id (its sockets are filed under it). */
  instanceId: string
}

/**
 * The realtime state shared by several instances through Redis: rooms, memberships,
 * presence with each user's sockets on every instance, typing and message de-duplication.
 * Instances beat (`heartbeat`); the sockets of an instance that stops beating are forgotten
 * and its users go offline.
 */
export class RedisRealtimeStore implements RealtimeStore {
  readonly kind = 'redis' as const
  readonly #redis: Redis & CasCommands
  readonly #p: string
  readonly #instanceId: string

  constructor(options: RedisRealtimeStoreOptions) {
    const redis = options.redis
    redis.defineCommand('nselfCasString', { numberOfKeys: 1, lua: CAS_STRING })
    redis.defineCommand('nselfCasField', { numberOfKeys: 1, lua: CAS_FIELD })
    redis.defineCommand('nselfAppendReplay', { numberOfKeys: 1, lua: APPEND_REPLAY })
    this.#redis = redis as Redis & CasCommands
    this.#p = options.prefix
    this.#instanceId = options.instanceId
  }

  // Keys
  #room(name: string) {
    return `${this.#p}room:${name}`
  }
  #membersKey(name: string) {
    return `${this.#p}members:${name}`
  }
  get #rooms() {
    return `${this.#p}rooms`
  }
  get #presence() {
    return `${this.#p}presence`
  }
  #userSockets(userId: string) {
    return `${this.#p}sockets:${userId}`
  }
  #instanceSockets(instanceId: string) {
    return `${this.#p}instance:${instanceId}`
  }
  get #instances() {
    return `${this.#p}instances`
  }
  #typingKey(room: string) {
    return `${this.#p}typing:${room}`
  }
  #replayKey(room: string) {
    return `${this.#p}replay:${room}`
  }
  #claimKey(userId: string, clientMessageId: string) {
    return `${this.#p}msg:${JSON.stringify([userId, clientMessageId])}`
  }

  async getRoom(name: string): Promise<RoomRecord | null> {
    return parseRoom(name, await this.#redis.get(this.#room(name)))
  }

  async ensureRoom(name: string): Promise<RoomRecord> {
    const fresh: RoomRecord = { name, private: false, allowed: [] }
    const [[, set], [, current]] = (await this.#redis
      .multi()
      .set(this.#room(name), JSON.stringify({ private: false, allowed: [] }), 'NX')
      .get(this.#room(name))
      .sadd(this.#rooms, name)
      .exec()) as [[null, string | null], [null, string | null], [null, number]]
    return set === 'OK' ? fresh : (parseRoom(name, current) ?? fresh)
  }

  async putRoom(room: RoomRecord): Promise<RoomRecord> {
    const record = { name: room.name, private: room.private, allowed: [...new Set(room.allowed)] }
    await this.#redis
      .multi()
      .set(this.#room(room.name), JSON.stringify({ private: record.private, allowed: record.allowed }))
      .sadd(this.#rooms, room.name)
      .exec()
    return record
  }

  async addMember(room: string, userId: string): Promise<{ added: boolean }> {
    return { added: (await this.#redis.sadd(this.#membersKey(room), userId)) === 1 }
  }

  async removeMember(room: string, userId: string): Promise<boolean> {
    return (await this.#redis.srem(this.#membersKey(room), userId)) === 1
  }

  async isMember(room: string, userId: string): Promise<boolean> {
    return (await this.#redis.sismember(this.#membersKey(room), userId)) === 1
  }

  async members(room: string): Promise<string[]> {
    return this.#redis.smembers(this.#membersKey(room))
  }

  async roomCount(): Promise<number> {
    return this.#redis.scard(this.#rooms)
  }

  async addConnection(
    userId: string,
    socketId: string,
    now: number,
  ): Promise<{ first: boolean; presence: StoredPresence }> {
    // One transaction, so two sockets of a user connecting on two instances at once cannot
    // both believe they are the first (or neither).
    const results = (await this.#redis
      .multi()
      .hset(this.#userSockets(userId), socketId, this.#instanceId)
      .hset(this.#instanceSockets(this.#instanceId), socketId, userId)
      .hlen(this.#userSockets(userId))
      .exec()) as Array<[Error | null, unknown]>
    const first = results[2]?.[1] === 1
    if (first) {
      const presence = await this.#updatePresence(userId, (current) => presenceOnConnect(current, now))
      return { first, presence: presence ?? defaultPresence(now) }
    }
    const presence = parsePresence(await this.#redis.hget(this.#presence, userId)) ?? defaultPresence(now)
    return { first, presence }
  }

  async removeConnection(userId: string, socketId: string): Promise<{ last: boolean }> {
    const results = (await this.#redis
      .multi()
      .hdel(this.#userSockets(userId), socketId)
      .hdel(this.#instanceSockets(this.#instanceId), socketId)
      .hlen(this.#userSockets(userId))
      .exec()) as Array<[Error | null, unknown]>
    return { last: results[0]?.[1] === 1 && results[2]?.[1] === 0 }
  }

  async getPresences(userIds: readonly string[]): Promise<UserPresence[]> {
    if (userIds.length === 0) return []
    const pipeline = this.#redis.pipeline().hmget(this.#presence, ...userIds)
    for (const userId of userIds) pipeline.hlen(this.#userSockets(userId))
    const results = (await pipeline.exec()) as Array<[Error | null, unknown]>
    const raws = (results[0]?.[1] ?? []) as Array<string | null>
    return userIds.map((userId, i) => {
      const stored = parsePresence(raws[i]) ?? { ...defaultPresence(0), status: 'offline' as const }
      return { ...stored, userId, connected: Number(results[i + 1]?.[1] ?? 0) > 0 }
    })
  }

  async setPresence(userId: string, change: PresenceChange): Promise<StoredPresence> {
    const next = await this.#updatePresence(userId, (current) => presenceOnSet(current, change, Date.now()))
    return next ?? presenceOnSet(null, change, Date.now())
  }

  async expireCustomStatus(userId: string, now: number): Promise<StoredPresence | null> {
    return this.#updatePresence(userId, (current) => presenceOnExpiry(current, now))
  }

  async recordActivity(userId: string, now: number): Promise<StoredPresence | null> {
    let lifted = false
    const next = await this.#updatePresence(userId, (current) => {
      const result = presenceOnActivity(current, now)
      lifted = result.lifted
      return result.next
    })
    return lifted ? next : null
  }

  async markAway(userId: string, idleSince: number): Promise<StoredPresence | null> {
    const connected = (await this.#redis.hlen(this.#userSockets(userId))) > 0
    return this.#updatePresence(userId, (current) => presenceOnIdle(current, connected, idleSince))
  }

  async presenceCounts(): Promise<{ online: number; away: number; busy: number; offline: number }> {
    const userIds = await this.#redis.hkeys(this.#presence)
    return countPresence(await this.getPresences(userIds))
  }

  async typing(room: string, now: number): Promise<TypingEntry[]> {
    return parseTyping(await this.#redis.get(this.#typingKey(room))).filter((e) => e.expiresAt > now)
  }

  async claimMessage(
    userId: string,
    clientMessageId: string,
    ack: MessageAck,
    windowMs: number,
  ): Promise<MessageAck & { duplicate: boolean }> {
    const key = this.#claimKey(userId, clientMessageId)
    for (let attempt = 0; attempt < 5; attempt++) {
      const set = await this.#redis.set(key, JSON.stringify(ack), 'PX', Math.max(windowMs, 1), 'NX')
      if (set === 'OK') return { ...ack, duplicate: false }
      const existing = parseAck(await this.#redis.get(key))
      if (existing) return { ...existing, duplicate: true }
      // It lapsed between the two calls: claim again.
    }
    throw new Error('could not claim the message id')
  }

  async appendMessage(
    room: string,
    message: MessageNew,
    retention: ReplayRetention,
    now: number,
  ): Promise<void> {
    if (retention.limit <= 0 || retention.maxAgeMs <= 0) return
    const ms = Date.parse(message.timestamp)
    await this.#redis.nselfAppendReplay(
      this.#replayKey(room),
      ms,
      `(${ms + 1}`,
      JSON.stringify(message),
      `(${now - retention.maxAgeMs}`,
      retention.limit,
      retention.maxAgeMs,
    )
  }

  async messagesSince(
    room: string,
    sinceMs: number,
    retention: ReplayRetention,
    now: number,
  ): Promise<MessageNew[]> {
    const from = replayFrom(sinceMs, retention, now)
    if (from === null) return []
    // The newest `limit` from `from` on, then oldest first.
    const raws = await this.#redis.zrevrangebyscore(
      this.#replayKey(room),
      '+inf',
      from,
      'LIMIT',
      0,
      retention.limit,
    )
    return raws.reverse().flatMap((raw) => {
      const message = parseMessage(raw)
      return message ? [message] : []
    })
  }

  async heartbeat(now: number, deadAfterMs: number): Promise<string[]> {
    await this.#redis.zadd(this.#instances, now, this.#instanceId)
    const dead = await this.#redis.zrangebyscore(this.#instances, '-inf', now - deadAfterMs)
    const offline: string[] = []
    for (const instanceId of dead) {
      // One sweeper per dead instance.
      const lock = await this.#redis.set(
        `${this.#p}sweep:${instanceId}`,
        this.#instanceId,
        'PX',
        30_000,
        'NX',
      )
      if (lock !== 'OK') continue
      offline.push(...(await this.#forgetInstance(instanceId)))
    }
    return offline
  }

  async close(): Promise<void> {
    try {
      await this.#forgetInstance(this.#instanceId)
    } finally {
      await this.#redis.quit().catch(() => this.#redis.disconnect())
    }
  }

  /** Forgets an instance's sockets; returns the users left without any. */
  async #forgetInstance(instanceId: string): Promise<string[]> {
    const sockets = await this.#redis.hgetall(this.#instanceSockets(instanceId))
    const offline: string[] = []
    for (const [socketId, userId] of Object.entries(sockets)) {
      const results = (await this.#redis
        .multi()
        .hdel(this.#userSockets(userId), socketId)
        .hlen(this.#userSockets(userId))
        .exec()) as Array<[Error | null, unknown]>
      if (results[0]?.[1] === 1 && results[1]?.[1] === 0) offline.push(userId)
    }
    await this.#redis.multi().del(this.#instanceSockets(instanceId)).zrem(this.#instances, instanceId).exec()
    return offline
  }

  /** Applies `rule` to a user's presence atomically; `null` when the rule made no change. */
  async #updatePresence(
    userId: string,
    rule: (current: StoredPresence | null) => StoredPresence | null,
  ): Promise<StoredPresence | null> {
    let raw = (await this.#redis.hget(this.#presence, userId)) ?? ''
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const next = rule(parsePresence(raw))
      if (!next) return null
      const [ok, current] = await this.#redis.nselfCasField(this.#presence, userId, raw, JSON.stringify(next))
      if (ok === 1) return next
      raw = current
      await backoff(attempt)
    }
    throw new Error(`presence of ${userId} is contended`)
  }

  async updateTyping(room: string, now: number, op: TypingOp): Promise<TypingChange> {
    const key = this.#typingKey(room)
    let raw = (await this.#redis.get(key)) ?? ''
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const { kept, changedThreads } = applyTyping(parseTyping(raw), now, op)
      if (changedThreads.length === 0) return { changedThreads, entries: kept }
      const next = kept.length === 0 ? '' : JSON.stringify(kept)
      // The list lapses by itself a while after its last typist would have.
      const px = kept.length === 0 ? 0 : Math.max(...kept.map((e) => e.expiresAt)) - now + 60_000
      const [ok, current] = await this.#redis.nselfCasString(key, raw, next, px)
      if (ok === 1) return { changedThreads, entries: kept }
      raw = current
      await backoff(attempt)
    }
    throw new Error(`typing of ${room} is contended`)
  }
}

/** Compare-and-set rounds before giving up (each round has one winner among the contenders). */
const MAX_CAS_ATTEMPTS = 200

/** After a few lost rounds, waits a little (jittered) so that contenders spread out. */
function backoff(attempt: number): Promise<void> | undefined {
  if (attempt < 3) return undefined
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 20)))
}

function parseRoom(name: string, raw: string | null): RoomRecord | null {
  if (!raw) return null
  try {
    const value = JSON.parse(raw) as { private?: unknown; allowed?: unknown }
    return {
      name,
      private: value.private === true,
      allowed: Array.isArray(value.allowed) ? value.allowed.filter((u) => typeof u === 'string') : [],
    }
  } catch {
    return null
  }
}

function parseTyping(raw: string | null): TypingEntry[] {
  if (!raw) return []
  try {
    const value = JSON.parse(raw) as unknown
    return Array.isArray(value) ? (value as TypingEntry[]) : []
  } catch {
    return []
  }
}

function parseAck(raw: string | null): MessageAck | null {
  if (!raw) return null
  try {
    const value = JSON.parse(raw) as Partial<MessageAck>
    return typeof value.id === 'string' && typeof value.timestamp === 'string'
      ? { id: value.id, timestamp: value.timestamp }
      : null
  } catch {
    return null
  }
}

function parseMessage(raw: string): MessageNew | null {
  try {
    const parsed = MessageNewSchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}
