import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { ErrorBodySchema } from '@nself/contracts'
import {
  type FileRecord,
  FileRecordSchema,
  PresignUploadResponseSchema,
  TUS_EXTENSIONS,
} from '@nself/contracts/files'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createUpload,
  type FilesStub,
  patchUpload,
  processed,
  raw,
  startFilesStub,
  tusHeaders,
  tusUpload,
  uploadMetadata,
} from '../../../test/files-kit'

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
/** Plain text (accepted, nothing to process) of `size` bytes. */
const text = (size: number) => Buffer.from('nself '.repeat(Math.ceil(size / 6)).slice(0, size))
/** A ZIP-signed blob of random bytes (accepted by its magic number; nothing to process). */
const zip = (size: number) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(size - 4)])

describe('tus 1.0 at /uploads', () => {
  let stub: FilesStub
  beforeAll(async () => {
    stub = await startFilesStub({ FILE_MAX_SIZE: String(8 * 1024 * 1024) })
  })
  afterAll(() => stub.close())

  it('answers discovery with the version, the extensions and the size limit', async () => {
    const res = await fetch(`${stub.url}/uploads`, {
      method: 'OPTIONS',
      headers: { 'tus-resumable': '1.0.0' },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('tus-version')).toBe('1.0.0')
    expect(res.headers.get('tus-extension')?.split(',')).toEqual([...TUS_EXTENSIONS])
    expect(res.headers.get('tus-max-size')).toBe(String(8 * 1024 * 1024))
  })

  it('round trip with tus-js-client: the record has the bytes, their SHA-256 and the sniffed type', async () => {
    const data = zip(300_000)
    const id = await tusUpload(stub, data, {
      metadata: { name: 'archive.bin', type: 'application/octet-stream' },
      chunkSize: 64 * 1024,
    })
    const record = await processed(stub, id)
    expect(FileRecordSchema.safeParse(record).success).toBe(true)
    expect(record).toMatchObject({
      id,
      size: data.length,
      sha256: sha256(data),
      mimeType: 'application/zip',
      name: 'archive.bin',
    })
    expect(record.processing.status).toBe('completed')
    // A ZIP has no thumbnails: said so, not faked.
    expect(record.thumbnailUrl).toBeNull()
    expect(record.processing.operations?.thumbnail).toMatchObject({ status: 'unsupported' })
    expect(record.processing.operations?.scan).toMatchObject({ status: 'skipped' })
    const download = await fetch(record.url)
    expect(download.status).toBe(200)
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(record.sha256)
  })

  it('creation-with-upload: the POST carries the first bytes', async () => {
    const data = text(1000)
    const created = await raw(`${stub.url}/uploads`, {
      method: 'POST',
      headers: tusHeaders(stub, 'alice', {
        'upload-length': data.length,
        'upload-metadata': uploadMetadata({ name: 'note.txt', type: 'text/plain' }),
        'content-type': 'application/offset+octet-stream',
      }),
      body: data.subarray(0, 600),
    })
    expect(created.status).toBe(201)
    expect(created.headers['upload-offset']).toBe('600')
    expect(created.headers['upload-expires']).toEqual(expect.any(String))
    const location = created.headers.location as string
    expect(location).toMatch(/^\/uploads\/[0-9a-f]{32}$/)
    const patched = await raw(`${stub.url}${location}`, {
      method: 'PATCH',
      headers: tusHeaders(stub, 'alice', {
        'upload-offset': 600,
        'content-type': 'application/offset+octet-stream',
      }),
      body: data.subarray(600),
    })
    expect(patched.status).toBe(204)
    expect(patched.headers['upload-offset']).toBe('1000')
    const record = await processed(stub, location.split('/').pop() as string)
    expect(record).toMatchObject({ mimeType: 'text/plain', size: 1000, sha256: sha256(data) })
  })

  it('resumes after a PATCH cut mid-way: HEAD reports what arrived, the rest completes the file', async () => {
    const data = zip(2 * 1024 * 1024)
    const created = await createUpload(stub, data.length, { name: 'big.zip' })
    const url = `${stub.url}${created.headers.location}`
    // Send about half, then drop the connection.
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: 'PATCH',
        headers: tusHeaders(stub, 'alice', {
          'upload-offset': 0,
          'content-type': 'application/offset+octet-stream',
          'content-length': data.length,
        }),
      })
      req.on('error', () => resolve())
      req.write(data.subarray(0, 1024 * 1024), () => setTimeout(() => req.destroy(), 50))
      req.on('close', () => resolve())
    })
    let offset = 0
    for (let i = 0; i < 50; i++) {
      const head = await raw(url, { method: 'HEAD', headers: tusHeaders(stub) })
      offset = Number(head.headers['upload-offset'])
      if (head.status === 200 && offset > 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(offset).toBeGreaterThan(0)
    expect(offset).toBeLessThanOrEqual(1024 * 1024)
    const rest = await raw(url, {
      method: 'PATCH',
      headers: tusHeaders(stub, 'alice', {
        'upload-offset': offset,
        'content-type': 'application/offset+octet-stream',
      }),
      body: data.subarray(offset),
    })
    expect(rest.status).toBe(204)
    const record = await processed(stub, url.split('/').pop() as string)
    expect(record.sha256).toBe(sha256(data))
    expect(record.size).toBe(data.length)
  })

  it('a PATCH at the wrong offset is a 409 conflict', async () => {
    const created = await createUpload(stub, 10, { name: 'x.txt' })
    const res = await patchUpload(stub, created, 5, 'hello')
    expect(res.status).toBe(409)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'CONFLICT' })
  })

  it('termination deletes the upload and its bytes', async () => {
    const created = await raw(`${stub.url}/uploads`, {
      method: 'POST',
      headers: tusHeaders(stub, 'alice', {
        'upload-length': 100,
        'upload-metadata': uploadMetadata({ name: 'x.txt' }),
        'content-type': 'application/offset+octet-stream',
      }),
      body: text(40),
    })
    const id = (created.headers.location as string).split('/').pop() as string
    expect(existsSync(join(stub.server.dataDir, 'uploads', id))).toBe(true)
    const deleted = await raw(`${stub.url}/uploads/${id}`, { method: 'DELETE', headers: tusHeaders(stub) })
    expect(deleted.status).toBe(204)
    expect(existsSync(join(stub.server.dataDir, 'uploads', id))).toBe(false)
    const head = await raw(`${stub.url}/uploads/${id}`, { method: 'HEAD', headers: tusHeaders(stub) })
    expect(head.status).toBe(404)
  })

  it('terminating a finished upload deletes the file (cancel during processing)', async () => {
    const id = await tusUpload(stub, text(100), { metadata: { name: 'a.txt' } })
    await processed(stub, id)
    const deleted = await raw(`${stub.url}/uploads/${id}`, { method: 'DELETE', headers: tusHeaders(stub) })
    expect(deleted.status).toBe(204)
    const res = await fetch(`${stub.url}/api/files/${id}`, { headers: stub.auth('alice') })
    expect(res.status).toBe(404)
  })

  it('needs a token, and another user cannot see or touch an upload', async () => {
    const anonymous = await raw(`${stub.url}/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': 5 },
    })
    expect(anonymous.status).toBe(401)
    expect(JSON.parse(anonymous.body)).toMatchObject({ code: 'UNAUTHENTICATED' })
    const created = await createUpload(stub, 5, { name: 'x.txt' })
    const url = `${stub.url}${created.headers.location}`
    for (const method of ['HEAD', 'PATCH', 'DELETE']) {
      const res = await raw(url, {
        method,
        headers: tusHeaders(stub, 'mallory', {
          'upload-offset': 0,
          'content-type': 'application/offset+octet-stream',
        }),
        body: method === 'PATCH' ? 'hello' : undefined,
      })
      expect(res.status, method).toBe(404)
    }
    const mine = await raw(url, { method: 'HEAD', headers: tusHeaders(stub) })
    expect(mine.status).toBe(200)
    expect(mine.headers['upload-offset']).toBe('0')
  })

  it('refuses unknown operations in Upload-Metadata', async () => {
    const res = await createUpload(stub, 5, { name: 'x.txt', operations: 'thumbnail,rm -rf' })
    expect(res.status).toBe(400)
    expect(ErrorBodySchema.parse(JSON.parse(res.body)).code).toBe('VALIDATION_FAILED')
  })
})

describe('tus expiration', () => {
  let stub: FilesStub
  beforeAll(async () => {
    stub = await startFilesStub({ FILE_UPLOAD_EXPIRATION_MS: '300' })
  })
  afterAll(() => stub.close())

  it('an unfinished upload past Upload-Expires is gone (410 UPLOAD_EXPIRED) and swept from disk', async () => {
    const created = await createUpload(stub, 10, { name: 'x.txt' })
    const expires = Date.parse(created.headers['upload-expires'] as string)
    expect(expires).toBeGreaterThan(Date.now() - 1000)
    await new Promise((r) => setTimeout(r, 1200))
    const late = await patchUpload(stub, created, 0, 'late')
    // The sweep (every 300 ms here) may already have removed it: 404; otherwise 410.
    expect([404, 410]).toContain(late.status)
    if (late.status === 410) expect(JSON.parse(late.body)).toMatchObject({ code: 'UPLOAD_EXPIRED' })
    const id = (created.headers.location as string).split('/').pop() as string
    await new Promise((r) => setTimeout(r, 400))
    expect(existsSync(join(stub.server.dataDir, 'uploads', id))).toBe(false)
  })
})

describe('the presigned single-PUT flow', () => {
  let stub: FilesStub
  beforeAll(async () => {
    stub = await startFilesStub({ FILE_MAX_SIZE: '100000' })
  })
  afterAll(() => stub.close())

  const presign = async (body: Record<string, unknown>, user = 'alice') => {
    const res = await fetch(`${stub.url}/api/files/upload`, {
      method: 'POST',
      headers: { ...stub.auth(user), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it("answers in the chat app's shape; the PUT stores and processes the file", async () => {
    const data = text(5000)
    const { status, body } = await presign({
      fileName: 'notes.txt',
      mimeType: 'text/plain',
      size: data.length,
      channelId: 'general',
    })
    expect(status).toBe(200)
    const presigned = PresignUploadResponseSchema.parse(body)
    expect(presigned).toMatchObject({
      fileName: 'notes.txt',
      mimeType: 'text/plain',
      size: 5000,
      channelId: 'general',
      method: 'PUT',
      headers: { 'Content-Type': 'text/plain' },
      storagePath: `uploads/${presigned.fileId}`,
    })
    expect(Date.parse(presigned.expiresAt)).toBeGreaterThan(Date.now() + 3_500_000)
    // No token: the signed URL is the authorisation.
    const put = await fetch(presigned.uploadUrl, { method: 'PUT', headers: presigned.headers, body: data })
    expect(put.status).toBe(200)
    const record = FileRecordSchema.parse(await put.json())
    expect(record).toMatchObject({
      id: presigned.fileId,
      size: 5000,
      sha256: sha256(data),
      mimeType: 'text/plain',
    })
    expect((await processed(stub, presigned.fileId)).processing.status).toBe('completed')
    // Single use.
    const again = await fetch(presigned.uploadUrl, { method: 'PUT', body: data })
    expect(again.status).toBe(409)
  })

  it('refuses an announced size over FILE_MAX_SIZE before any byte, and more bytes than announced', async () => {
    expect((await presign({ fileName: 'big.zip', mimeType: 'application/zip', size: 100_001 })).status).toBe(
      413,
    )
    const { body } = await presign({ fileName: 'a.txt', mimeType: 'text/plain', size: 10 })
    const { uploadUrl, fileId } = PresignUploadResponseSchema.parse(body)
    const res = await fetch(uploadUrl, { method: 'PUT', body: text(11) })
    expect(res.status).toBe(413)
    expect(existsSync(join(stub.server.dataDir, 'uploads', fileId))).toBe(false)
    const short = await fetch(uploadUrl, { method: 'PUT', body: text(9) })
    expect(short.status).toBe(400)
  })

  it('refuses a tampered or expired upload URL', async () => {
    const { body } = await presign({ fileName: 'a.txt', mimeType: 'text/plain', size: 3, expiresIn: 1 })
    const { uploadUrl } = PresignUploadResponseSchema.parse(body)
    const tampered = uploadUrl.replace(
      /signature=([0-9a-f])/,
      (_m, c: string) => `signature=${c === '0' ? '1' : '0'}`,
    )
    expect((await fetch(tampered, { method: 'PUT', body: 'abc' })).status).toBe(403)
    expect((await fetch(uploadUrl.split('?')[0] as string, { method: 'PUT', body: 'abc' })).status).toBe(401)
    await new Promise((r) => setTimeout(r, 2100))
    const expired = await fetch(uploadUrl, { method: 'PUT', body: 'abc' })
    expect(expired.status).toBe(403)
    expect(await expired.json()).toMatchObject({ code: 'FORBIDDEN', error: expect.stringMatching(/expired/) })
  })
})

describe('processing events (server-sent events)', () => {
  let stub: FilesStub
  beforeAll(async () => {
    stub = await startFilesStub()
  })
  afterAll(() => stub.close())

  async function collect(
    url: string,
    headers: Record<string, string>,
    until: (events: Array<{ id: string; event: string; data: unknown }>) => boolean,
  ) {
    const controller = new AbortController()
    const res = await fetch(url, { headers, signal: controller.signal })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    const events: Array<{ id: string; event: string; data: unknown }> = []
    let buffer = ''
    const deadline = Date.now() + 10_000
    while (!until(events) && Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      let cut = buffer.indexOf('\n\n')
      while (cut !== -1) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':') && l.includes(':'))
            .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
        )
        if (fields.data !== undefined)
          events.push({ id: String(fields.id), event: String(fields.event), data: JSON.parse(fields.data) })
        cut = buffer.indexOf('\n\n')
      }
    }
    controller.abort()
    return events
  }

  it('streams every status change of the caller’s files, each with an id; Last-Event-ID replays what was missed', async () => {
    const streaming = collect(`${stub.url}/api/files/events`, stub.auth('alice'), (events) =>
      events.some((e) => (e.data as FileRecord).processing?.status === 'completed'),
    )
    await new Promise((r) => setTimeout(r, 100))
    const id = await tusUpload(stub, text(200), { metadata: { name: 'a.txt' } })
    // bob's files are not alice's business.
    await tusUpload(stub, text(200), { user: 'bob', metadata: { name: 'b.txt' } })
    const events = await streaming
    expect(events.length).toBeGreaterThanOrEqual(2)
    for (const e of events) {
      expect(e.id).toMatch(/^\d+$/)
      expect(e.event).toBe('file')
      expect(FileRecordSchema.safeParse(e.data).success).toBe(true)
      expect((e.data as FileRecord).id).toBe(id)
    }
    expect(events.map((e) => (e.data as FileRecord).processing.status)).toContain('completed')
    const ids = events.map((e) => Number(e.id))
    expect([...ids].sort((a, b) => a - b)).toEqual(ids)

    // Reconnecting after the first event: the file's latest state comes again.
    const first = events[0]?.id as string
    const replay = await collect(
      `${stub.url}/api/files/events`,
      { ...stub.auth('alice'), 'last-event-id': first },
      (e) => e.length >= 1,
    )
    expect((replay[0]?.data as FileRecord | undefined)?.processing.status).toBe('completed')
    expect(Number(replay[0]?.id)).toBeGreaterThan(Number(first))
  })

  it('?fileId= watches one file and starts with its current state', async () => {
    const id = await tusUpload(stub, text(50), { metadata: { name: 'c.txt' } })
    await processed(stub, id)
    const events = await collect(
      `${stub.url}/api/files/events?fileId=${id}`,
      stub.auth('alice'),
      (e) => e.length >= 1,
    )
    expect((events[0]?.data as FileRecord | undefined)?.processing.status).toBe('completed')
    const other = await fetch(`${stub.url}/api/files/events?fileId=${id}`, { headers: stub.auth('bob') })
    expect(other.status).toBe(404)
  })
})
