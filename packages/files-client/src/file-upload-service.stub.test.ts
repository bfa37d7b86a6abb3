import { createHash, randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { configureNself, isNselfError, type NselfError } from '@nself/client-core'
import { FileRecordSchema } from '@nself/contracts/files'
import { startTestStubs, type TestStubs } from '@nself/server-stubs/testing'
import sharp from 'sharp'
import type { PreviousUpload, UrlStorage } from 'tus-js-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type CuttingProxy, seeded, startCuttingProxy } from '../test/cutting-proxy'
import { FileUploadService, type UploadItem, type UploadState } from './file-upload-service'

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
const zip = (size: number) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(size - 4)])

/** A tus URL storage kept in memory, standing in for a browser's localStorage across "page loads". */
class MemoryUrlStorage implements UrlStorage {
  readonly entries = new Map<string, PreviousUpload>()
  async findAllUploads() {
    return [...this.entries.values()]
  }
  async findUploadsByFingerprint(fingerprint: string) {
    return [...this.entries.entries()]
      .filter(([k]) => k.startsWith(`tus::${fingerprint}::`))
      .map(([, v]) => v)
  }
  async removeUpload(key: string) {
    this.entries.delete(key)
  }
  async addUpload(fingerprint: string, upload: PreviousUpload) {
    const key = `tus::${fingerprint}::${this.entries.size}`
    this.entries.set(key, { ...upload, urlStorageKey: key })
    return key
  }
}

/** Calls `act` once, synchronously, on the first change where the first upload has sent `bytes`. */
const whenSent = (files: FileUploadService, bytes: number, act: () => void) => {
  let done = false
  const stop = files.subscribe(() => {
    if (!done && (files.getSnapshot()[0]?.bytesSent ?? 0) >= bytes) {
      done = true
      stop()
      act()
    }
  })
}

const until = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('FileUploadService against the files stub', () => {
  let stubs: TestStubs<'files'>
  let base: string
  const options = (user = 'alice') => ({
    baseUrl: base,
    getToken: () => stubs.token(user),
    retryDelays: [0, 50, 100],
  })
  const uploadsDir = () => join((stubs.servers.files as { dataDir: string }).dataDir, 'uploads')

  beforeAll(async () => {
    stubs = await startTestStubs(['files'], {
      env: { NODE_ENV: 'test', FILE_MAX_SIZE: String(64 * 1024 * 1024) },
    })
    base = stubs.urls.files
  })
  afterAll(() => stubs.close())
  afterEach(() => configureNself({}))

  it("uploadAndProcess resolves with the seeds' { id, url, thumbnailUrl, mimeType, size } of the processed image", async () => {
    const photo = await sharp({ create: { width: 2600, height: 1000, channels: 3, background: '#4a7' } })
      .jpeg()
      .toBuffer()
    const files = new FileUploadService(options())
    const result = await files.uploadAndProcess(photo, {
      name: 'beach.jpg',
      resize: true,
      optimize: true,
      thumbnail: true,
      stripMetadata: true,
    })
    expect(FileRecordSchema.safeParse(result).success).toBe(true)
    expect(result).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      url: expect.stringContaining(`/files/${result.id}`),
      thumbnailUrl: expect.stringContaining(`/files/${result.id}/thumbnails/400`),
      mimeType: 'image/jpeg',
      size: photo.length,
      width: 2048,
      sha256: sha256(photo),
    })
    expect(result.processing.operations).toMatchObject({
      resize: { status: 'completed' },
      optimize: { status: 'completed' },
      thumbnail: { status: 'completed' },
      strip_exif: { status: 'completed' },
    })
    expect((await fetch(result.thumbnailUrl as string)).status).toBe(200)
    expect(files.getSnapshot()[0]).toMatchObject({
      state: 'ready',
      name: 'beach.jpg',
      bytesSent: photo.length,
    })
  })

  it('new FileUploadService() with no arguments works from the shared configuration', async () => {
    configureNself({ urls: { files: base }, getToken: () => stubs.token('alice') })
    const record = await new FileUploadService().uploadAndProcess(Buffer.from('hello\n'), {
      name: 'hello.txt',
    })
    expect(record).toMatchObject({ mimeType: 'text/plain', size: 6 })
  })

  it('runs at most `concurrency` uploads at once and finishes them all', async () => {
    const files = new FileUploadService({ ...options(), concurrency: 2, chunkSize: 128 * 1024 })
    let most = 0
    files.subscribe(() => {
      const active = files
        .getSnapshot()
        .filter((u) => u.state === 'uploading' || u.state === 'validating').length
      most = Math.max(most, active)
    })
    const data = [0, 1, 2, 3, 4].map(() => zip(400 * 1024))
    const results = await Promise.all(data.map((d, i) => files.uploadAndProcess(d, { name: `f${i}.zip` })))
    expect(most).toBe(2)
    expect(results.map((r) => r.sha256)).toEqual(data.map(sha256))
  })

  it('a queued upload cancelled before its turn sends nothing', async () => {
    const files = new FileUploadService({ ...options('carol'), concurrency: 1 })
    const first = files.uploadAndProcess(zip(300_000), { name: 'a.zip' })
    const second = files.uploadAndProcess(zip(300_000), { name: 'b.zip' }).catch((e: NselfError) => e)
    const queued = files.getSnapshot()[1] as UploadItem
    expect(queued.state).toBe('queued')
    files.cancel(queued.id)
    await first
    const cancelled = await second
    expect(isNselfError(cancelled) && cancelled.code).toBe('ABORTED')
    const list = (await (
      await fetch(`${base}/api/files`, { headers: { authorization: `Bearer ${stubs.token('carol')}` } })
    ).json()) as {
      files: Array<{ name: string }>
    }
    expect(list.files.map((f) => f.name)).toEqual(['a.zip'])
  })

  it('validates size and type before any byte leaves', async () => {
    const before = readdirSync(uploadsDir()).length
    const files = new FileUploadService({ ...options(), maxSize: '1KB', accept: 'image/*,.pdf' })
    const tooBig = await files
      .uploadAndProcess(Buffer.alloc(2048, 65), { name: 'a.pdf' })
      .catch((e: NselfError) => e)
    expect(isNselfError(tooBig) && tooBig.code).toBe('PAYLOAD_TOO_LARGE')
    const wrongType = await files
      .uploadAndProcess(Buffer.from('hi'), { name: 'a.exe', type: 'application/x-msdownload' })
      .catch((e: NselfError) => e)
    expect(isNselfError(wrongType) && wrongType.code).toBe('UNSUPPORTED_MEDIA_TYPE')
    expect(files.getSnapshot().map((u) => [u.state, u.error?.retryable])).toEqual([
      ['failed', false],
      ['failed', false],
    ])
    expect(readdirSync(uploadsDir()).length).toBe(before)
    // '.pdf' and 'image/*' pass.
    await expect(
      files.uploadAndProcess(Buffer.from('%PDF-1.4\n'), { name: 'ok.pdf' }),
    ).resolves.toMatchObject({
      mimeType: 'application/pdf',
    })
  })

  it('a corrupted image fails with PROCESSING_FAILED (details.code CORRUPT_FILE), not retryable', async () => {
    const photo = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#123' } })
      .jpeg()
      .toBuffer()
    const files = new FileUploadService(options())
    const error = await files
      .uploadAndProcess(photo.subarray(0, 300), { name: 'broken.jpg', thumbnail: true })
      .catch((e: NselfError) => e)
    expect(isNselfError(error)).toBe(true)
    expect(error).toMatchObject({
      code: 'PROCESSING_FAILED',
      retryable: false,
      details: { code: 'CORRUPT_FILE' },
    })
    expect(files.getSnapshot()[0]?.state).toBe('failed')
  })

  it('the presigned PUT flow works as an alternative transport', async () => {
    const data = zip(200_000)
    const record = await new FileUploadService({ ...options(), transport: 'presigned' }).uploadAndProcess(
      data,
      {
        name: 'p.zip',
        type: 'application/zip',
      },
    )
    expect(record).toMatchObject({ size: data.length, sha256: sha256(data), mimeType: 'application/zip' })
  })

  it('getFile of another user’s file is NOT_FOUND', async () => {
    const mine = await new FileUploadService(options()).uploadAndProcess(Buffer.from('secret'), {
      name: 's.txt',
    })
    const error = await new FileUploadService(options('bob')).getFile(mine.id).catch((e: NselfError) => e)
    expect(isNselfError(error) && error.code).toBe('NOT_FOUND')
  })

  describe('through a proxy', () => {
    let proxy: CuttingProxy
    beforeAll(async () => {
      proxy = await startCuttingProxy(base)
    })
    afterAll(() => proxy.close())
    afterEach(() => {
      proxy.cutAfter = () => null
      proxy.refuse = false
      proxy.throttle = null
    })

    it('uploads a File in Node (as a route handler’s formData() gives it)', async () => {
      const file = new File([Buffer.from('from a form\n')], 'form.txt', { type: 'text/plain' })
      const record = await new FileUploadService(options()).uploadAndProcess(file)
      expect(record).toMatchObject({ name: 'form.txt', mimeType: 'text/plain', size: 12 })
    })

    it('walks queued → validating → uploading → processing → ready, with bytes, speed and ETA', async () => {
      proxy.throttle = 6 * 1024 * 1024
      const files = new FileUploadService({ ...options(), baseUrl: proxy.url, chunkSize: 256 * 1024 })
      const seen: UploadState[] = []
      const progress: UploadItem[] = []
      files.subscribe(() => {
        const item = files.getSnapshot()[0]
        if (!item) return
        if (seen.at(-1) !== item.state) seen.push(item.state)
        if (item.state === 'uploading') progress.push(item)
      })
      await files.uploadAndProcess(zip(3 * 1024 * 1024), { name: 'data.zip' })
      expect(seen).toEqual(['queued', 'validating', 'uploading', 'processing', 'ready'])
      const moving = progress.filter((p) => p.bytesSent > 0 && p.bytesSent < p.bytesTotal)
      expect(moving.length).toBeGreaterThan(0)
      expect(moving.every((p) => p.bytesTotal === 3 * 1024 * 1024)).toBe(true)
      expect(moving.some((p) => p.speed > 0 && p.eta !== null && p.eta >= 0)).toBe(true)
    })

    it('pause keeps the bytes on the server; resume sends only the rest', async () => {
      const data = zip(6 * 1024 * 1024)
      const chunk = 256 * 1024
      const files = new FileUploadService({ ...options(), baseUrl: proxy.url, chunkSize: chunk })
      const start = proxy.bytesUp
      let paused = false
      whenSent(files, 1024 * 1024, () => {
        files.pause(id)
        paused = true
      })
      const done = files.uploadAndProcess(data, { name: 'big.zip' })
      const id = files.getSnapshot()[0]?.id as string
      await until(() => paused)
      expect(files.getSnapshot()[0]).toMatchObject({ state: 'uploading', paused: true })
      const atPause = proxy.bytesUp
      await new Promise((r) => setTimeout(r, 150))
      expect(proxy.bytesUp - atPause).toBeLessThan(chunk + 4096)
      files.resume(id)
      const record = await done
      expect(record.sha256).toBe(sha256(data))
      // The bytes sent before the pause were not sent again (one chunk in flight at most).
      expect(proxy.bytesUp - start).toBeLessThan(data.length + chunk + 64 * 1024)
    })

    it('cancel stops the upload and terminates it on the server', async () => {
      const files = new FileUploadService({ ...options(), baseUrl: proxy.url, chunkSize: 128 * 1024 })
      const before = new Set(readdirSync(uploadsDir()))
      whenSent(files, 256 * 1024, () => files.cancel())
      const done = files
        .uploadAndProcess(zip(8 * 1024 * 1024), { name: 'gone.zip' })
        .catch((e: NselfError) => e)
      const error = await done
      expect(isNselfError(error) && error.code).toBe('ABORTED')
      expect(files.getSnapshot()[0]?.state).toBe('cancelled')
      await until(() => readdirSync(uploadsDir()).every((f) => before.has(f)))
    })

    it('a failed upload (server unreachable) is retryable, and retry() finishes it', async () => {
      proxy.refuse = true
      const files = new FileUploadService({
        ...options(),
        baseUrl: proxy.url,
        retryDelays: [0],
        retry: false,
      })
      const first = files
        .uploadAndProcess(Buffer.from('try again'), { name: 'r.txt' })
        .catch((e: NselfError) => e)
      const error = await first
      expect(isNselfError(error) && error.retryable).toBe(true)
      const item = files.getSnapshot()[0] as UploadItem
      expect(item).toMatchObject({ state: 'failed', error: { code: 'NETWORK_ERROR', retryable: true } })
      proxy.refuse = false
      files.retry(item.id)
      await until(() => files.getSnapshot()[0]?.state === 'ready')
      expect(files.getSnapshot()[0]?.result?.mimeType).toBe('text/plain')
    })

    it('resumes after a page reload: a new service finds the unfinished upload and sends only the rest', async () => {
      const storage = new MemoryUrlStorage()
      const data = zip(4 * 1024 * 1024)
      const chunk = 512 * 1024
      const first = new FileUploadService({
        ...options(),
        baseUrl: proxy.url,
        chunkSize: chunk,
        urlStorage: storage,
      })
      let paused = false
      whenSent(first, 2 * chunk, () => {
        first.pause()
        paused = true
      })
      void first.uploadAndProcess(data, { name: 'r.zip' }).catch(() => {})
      await until(() => paused)
      expect(storage.entries.size).toBe(1)
      // "Reload": a new service, the same storage, the same file picked again.
      const before = proxy.bytesUp
      const second = new FileUploadService({
        ...options(),
        baseUrl: proxy.url,
        chunkSize: chunk,
        urlStorage: storage,
      })
      const record = await second.uploadAndProcess(data, { name: 'r.zip' })
      expect(record.sha256).toBe(sha256(data))
      expect(proxy.bytesUp - before).toBeLessThan(data.length - chunk)
      expect(storage.entries.size).toBe(0)
    })

    it('cleans up stale resume entries', async () => {
      const storage = new MemoryUrlStorage()
      await storage.addUpload('old', {
        size: 1,
        metadata: {},
        creationTime: new Date(Date.now() - 3 * 86_400_000).toString(),
        urlStorageKey: '',
        uploadUrl: `${proxy.url}/uploads/0123456789abcdef0123456789abcdef`,
        parallelUploadUrls: null,
      })
      await new FileUploadService({ ...options(), urlStorage: storage }).uploadAndProcess(
        Buffer.from('x\n'),
        { name: 'x.txt' },
      )
      expect(storage.entries.size).toBe(0)
    })

    it('cut connections at random points: every file completes with its SHA-256, re-sending at most one chunk per cut', async () => {
      const seed = Date.now() % 100_000
      const random = seeded(seed)
      const chunk = 128 * 1024
      let cutsLeft = 12
      proxy.cutAfter = () => (cutsLeft-- > 0 ? Math.floor(16 * 1024 + random() * 2 * chunk) : null)
      const files = new FileUploadService({
        ...options(),
        baseUrl: proxy.url,
        chunkSize: chunk,
        concurrency: 2,
        retryDelays: [0, 20, 50, 100, 200, 400],
      })
      const data = [1.3, 0.9, 2.1, 0.5].map((mb) => zip(Math.floor(mb * 1024 * 1024)))
      const before = { bytes: proxy.bytesUp, cuts: proxy.cuts }
      const records = await Promise.all(
        data.map((d, i) => files.uploadAndProcess(d, { name: `cut-${i}.zip` })),
      )
      const cuts = proxy.cuts - before.cuts
      const sent = proxy.bytesUp - before.bytes
      const total = data.reduce((n, d) => n + d.length, 0)
      const context = `seed ${seed}, ${cuts} cuts, ${sent} bytes for ${total}`
      expect(cuts, context).toBeGreaterThan(0)
      expect(
        records.map((r) => r.sha256),
        context,
      ).toEqual(data.map(sha256))
      for (const record of records) {
        const served = Buffer.from(await (await fetch(record.url)).arrayBuffer())
        expect(sha256(served), context).toBe(record.sha256)
      }
      // Requests, headers and record polls cost a few KB besides the file bytes.
      const overhead = 64 * 1024
      expect(sent, context).toBeLessThanOrEqual(total + cuts * chunk + overhead)
    })
  })
})
