import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import {
  type FileJobDetails,
  FileJobDetailsSchema,
  FileJobListSchema,
  FileJobStateSchema,
  type FileRecord,
} from '@nself/contracts/files'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FilesStub, photo, processed, startFilesStub, tusUpload } from '../../../test/files-kit'
import { hasTool } from './external-tools'

const ALL = 'thumbnail,resize,optimize,metadata,strip_exif'

describe('image processing with sharp', () => {
  let stub: FilesStub
  beforeAll(async () => {
    stub = await startFilesStub({ FILE_MAX_IMAGE_PIXELS: String(30_000_000) })
  })
  afterAll(() => stub.close())

  it('resizes to 2048 px, strips EXIF and GPS, records dimensions, makes 100/400/1200 px thumbnails', async () => {
    const original = await photo(3000, 2000)
    const before = await sharp(original).metadata()
    expect(before.exif?.includes('WGS-84-TEST')).toBe(true)
    const id = await tusUpload(stub, original, {
      metadata: { name: 'IMG_0001.jpg', type: 'image/jpeg', operations: ALL },
    })
    const record = await processed(stub, id)
    expect(record.processing.status).toBe('completed')
    expect(record).toMatchObject({ mimeType: 'image/jpeg', width: 2048, height: 1365 })
    for (const op of ['thumbnail', 'resize', 'optimize', 'metadata', 'strip_exif']) {
      expect(record.processing.operations?.[op]?.status, op).toBe('completed')
    }

    const served = Buffer.from(await (await fetch(record.url)).arrayBuffer())
    const after = await sharp(served).metadata()
    expect([after.width, after.height]).toEqual([2048, 1365])
    expect(after.exif).toBeUndefined()
    expect(served.includes('WGS-84-TEST')).toBe(false)
    expect(served.includes('SecretCam')).toBe(false)

    expect(record.thumbnails?.map((t) => t.size)).toEqual([100, 400, 1200])
    for (const thumb of record.thumbnails ?? []) {
      const bytes = Buffer.from(await (await fetch(thumb.url)).arrayBuffer())
      const meta = await sharp(bytes).metadata()
      expect(meta.format).toBe('jpeg')
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(thumb.size)
      expect([meta.width, meta.height]).toEqual([thumb.width, thumb.height])
      expect(meta.exif).toBeUndefined()
    }
    expect(record.thumbnailUrl).toBe(record.thumbnails?.find((t) => t.size === 400)?.url)

    // The real plugin's job API shows the same job.
    const details = FileJobDetailsSchema.parse(
      await (
        await fetch(`${stub.url}/api/jobs/${record.processing.jobId}`, { headers: stub.auth('alice') })
      ).json(),
    )
    expect(details.job).toMatchObject({
      status: 'completed',
      file_id: id,
      file_name: 'IMG_0001.jpg',
      error_code: null,
    })
    expect(details.thumbnails.map((t) => [t.width, t.height, t.format])).toEqual([
      [100, 67, 'jpeg'],
      [400, 267, 'jpeg'],
      [1200, 800, 'jpeg'],
    ])
    expect(details.metadata).toMatchObject({
      width: 3000,
      height: 2000,
      exif_stripped: true,
      sha256_hash: record.sha256,
    })
    expect(details.scan).toBeNull()
  })

  it('never enlarges: a small PNG keeps its size, thumbnails stop at it; EXIF stripped without resize', async () => {
    const original = await photo(300, 200, 'png')
    const id = await tusUpload(stub, original, { metadata: { name: 'small.png', operations: 'thumbnail' } })
    const record = await processed(stub, id)
    expect(record).toMatchObject({ mimeType: 'image/png', width: 300, height: 200 })
    expect(record.thumbnails?.map((t) => [t.size, t.width, t.height])).toEqual([
      [100, 100, 67],
      [400, 300, 200],
      [1200, 300, 200],
    ])
    // FILE_STRIP_EXIF is on by default: stripped although only thumbnails were asked for.
    expect(record.processing.operations?.strip_exif?.status).toBe('completed')
    const served = await sharp(Buffer.from(await (await fetch(record.url)).arrayBuffer())).metadata()
    expect(served.exif).toBeUndefined()
  })

  it('a corrupted image ends failed with CORRUPT_FILE, and nothing is served', async () => {
    const good = await photo(800, 600)
    const corrupt = Buffer.concat([good.subarray(0, Math.floor(good.length / 3)), Buffer.alloc(200, 0x55)])
    const id = await tusUpload(stub, corrupt, { metadata: { name: 'broken.jpg' } })
    const record = await processed(stub, id)
    expect(record.processing).toMatchObject({ status: 'failed', error: { code: 'CORRUPT_FILE' } })
    expect(record.thumbnailUrl).toBeNull()
    const download = await fetch(record.url)
    expect(download.status).toBe(409)
    const job = (await (
      await fetch(`${stub.url}/v1/jobs/${record.processing.jobId}`, { headers: stub.auth('alice') })
    ).json()) as unknown
    expect(FileJobStateSchema.parse(job)).toEqual({ state: 'failed', progress: 0 })
    expect(existsSync(join(stub.server.dataDir, 'derived', id, 'thumb-100.jpg'))).toBe(false)
  })

  it('refuses a decompression bomb before decoding it (IMAGE_TOO_LARGE)', async () => {
    // A valid PNG header claiming 60000×60000 (3.6 gigapixels) over a few bytes of data.
    const bomb = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer()
    bomb.writeUInt32BE(60_000, 16)
    bomb.writeUInt32BE(60_000, 20)
    const started = Date.now()
    const id = await tusUpload(stub, bomb, { metadata: { name: 'bomb.png' } })
    const record = await processed(stub, id)
    expect(record.processing).toMatchObject({ status: 'failed', error: { code: 'IMAGE_TOO_LARGE' } })
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('refuses a real image over FILE_MAX_IMAGE_PIXELS', async () => {
    const big = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: '#123' } })
      .jpeg({ quality: 20 })
      .toBuffer()
    const id = await tusUpload(stub, big, { metadata: { name: 'huge.jpg' } })
    const record = await processed(stub, id)
    expect(record.processing.error?.code).toBe('IMAGE_TOO_LARGE')
  })

  it('PDF previews and video thumbnails are done with pdftoppm/ffmpeg, or reported unsupported — never faked', async () => {
    const pdf = Buffer.from(
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj ' +
        '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    )
    const pdfRecord = await processed(
      stub,
      await tusUpload(stub, pdf, { metadata: { name: 'a.pdf', operations: 'thumbnail,optimize' } }),
    )
    expect(pdfRecord.mimeType).toBe('application/pdf')
    expect(pdfRecord.processing.operations?.optimize?.status).toBe('unsupported')
    const thumb = pdfRecord.processing.operations?.thumbnail
    if (await hasTool('pdftoppm')) {
      // This PDF has no xref table: a real pdftoppm may still render it, or report it corrupt.
      expect(['completed', 'failed']).toContain(thumb?.status)
    } else {
      expect(thumb).toEqual({ status: 'unsupported', reason: 'pdftoppm is not installed' })
      expect(pdfRecord.thumbnailUrl).toBeNull()
      expect(pdfRecord.processing.status).toBe('completed')
    }

    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(500)])
    const video = await processed(
      stub,
      await tusUpload(stub, mp4, { metadata: { name: 'clip.mp4', operations: 'thumbnail' } }),
    )
    expect(video.mimeType).toBe('video/mp4')
    if (await hasTool('ffmpeg')) {
      // Not a decodable video: ffmpeg says so, and the job says failed.
      expect(video.processing.error?.code).toBe('CORRUPT_FILE')
    } else {
      expect(video.processing.operations?.thumbnail).toEqual({
        status: 'unsupported',
        reason: 'ffmpeg is not installed',
      })
      expect(video.thumbnailUrl).toBeNull()
    }
  })
})

describe('video thumbnails switched off', () => {
  let stub: FilesStub
  beforeAll(async () => {
    stub = await startFilesStub({ FILE_PROCESSING_VIDEO_THUMBNAIL_ENABLED: 'false' })
  })
  afterAll(() => stub.close())

  it('reports the thumbnail skipped', async () => {
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(100)])
    const record = await processed(
      stub,
      await tusUpload(stub, mp4, { metadata: { name: 'clip.mp4', operations: 'thumbnail' } }),
    )
    expect(record.processing.operations?.thumbnail?.status).toBe('skipped')
    expect(record.processing.status).toBe('completed')
  })
})

describe('virus scanning with ClamAV (a fake clamd speaking INSTREAM)', () => {
  let clamd: Server
  let stub: FilesStub
  const scanned: Buffer[] = []
  beforeAll(async () => {
    clamd = createServer((socket) => {
      let data = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk])
        // `zINSTREAM\0`, then <len><bytes> chunks, then a zero length.
        let at = 10
        const body: Buffer[] = []
        while (at + 4 <= data.length) {
          const length = data.readUInt32BE(at)
          if (length === 0) {
            const file = Buffer.concat(body)
            scanned.push(file)
            socket.end(file.includes('EICAR-TEST') ? 'stream: Eicar-Test-Signature FOUND\0' : 'stream: OK\0')
            return
          }
          if (at + 4 + length > data.length) return
          body.push(data.subarray(at + 4, at + 4 + length))
          at += 4 + length
        }
      })
    })
    clamd.listen(0, '127.0.0.1')
    await once(clamd, 'listening')
    const port = (clamd.address() as { port: number }).port
    stub = await startFilesStub({ CLAMAV_HOST: '127.0.0.1', CLAMAV_PORT: String(port) })
  })
  afterAll(async () => {
    await stub.close()
    clamd.close()
  })

  it('a clean file is scanned and served; an infected one fails INFECTED and is never served', async () => {
    const clean = await processed(
      stub,
      await tusUpload(stub, Buffer.from('hello, world\n'), { metadata: { name: 'a.txt' } }),
    )
    expect(clean.processing.operations?.scan?.status).toBe('completed')
    expect(scanned.some((b) => b.toString() === 'hello, world\n')).toBe(true)
    const infected = await processed(
      stub,
      await tusUpload(stub, Buffer.from('X5O!P%@AP EICAR-TEST-FILE\n'), { metadata: { name: 'eicar.txt' } }),
    )
    expect(infected.processing).toMatchObject({ status: 'failed', error: { code: 'INFECTED' } })
    expect((await fetch(infected.url)).status).toBe(409)
    const details = (await (
      await fetch(`${stub.url}/api/jobs/${infected.processing.jobId}`, { headers: stub.auth('alice') })
    ).json()) as FileJobDetails
    expect(details.scan).toMatchObject({
      scanner: 'clamav',
      scan_status: 'infected',
      is_clean: false,
      threat_names: ['Eicar-Test-Signature'],
    })
  })
})

describe('the real plugin job API', () => {
  let stub: FilesStub
  let file: FileRecord
  beforeAll(async () => {
    stub = await startFilesStub()
    file = await processed(
      stub,
      await tusUpload(stub, await photo(640, 480), { metadata: { name: 'p.jpg', operations: 'metadata' } }),
    )
  })
  afterAll(() => stub.close())

  const post = (body: unknown, user = 'alice') =>
    fetch(`${stub.url}/api/jobs`, {
      method: 'POST',
      headers: { ...stub.auth(user), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  it('POST /api/jobs reprocesses a stored file: { jobId, status: "pending", estimatedDuration }', async () => {
    expect(file.thumbnails).toEqual([])
    const res = await post({
      fileId: file.id,
      filePath: `uploads/${file.id}`,
      fileName: 'p.jpg',
      fileSize: file.size,
      mimeType: 'image/jpeg',
      operations: ['thumbnail'],
    })
    expect(res.status).toBe(200)
    const created = (await res.json()) as { jobId: string; status: string; estimatedDuration: number }
    expect(created).toEqual({ jobId: expect.any(String), status: 'pending', estimatedDuration: 3000 })
    await stub.server.idle()
    const details = FileJobDetailsSchema.parse(
      await (await fetch(`${stub.url}/api/jobs/${created.jobId}`, { headers: stub.auth('alice') })).json(),
    )
    expect(details.job.status).toBe('completed')
    expect(details.thumbnails).toHaveLength(3)
    const list = FileJobListSchema.parse(
      await (await fetch(`${stub.url}/api/jobs?status=completed`, { headers: stub.auth('alice') })).json(),
    )
    expect(list.jobs.map((j) => j.id)).toContain(created.jobId)
    expect(
      (await fetch(`${stub.url}/api/jobs?status=sideways`, { headers: stub.auth('alice') })).status,
    ).toBe(400)
  })

  it('refuses a body that breaks the contract, a path that is not the file’s, and another user’s file', async () => {
    const bad = await post({ fileId: file.id })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' })
    const escaping = await post({
      fileId: file.id,
      filePath: '../../etc/passwd',
      fileName: 'x',
      fileSize: 1,
      mimeType: 'text/plain',
    })
    expect(escaping.status).toBe(400)
    const other = await post(
      { fileId: file.id, filePath: `uploads/${file.id}`, fileName: 'x', fileSize: 1, mimeType: 'text/plain' },
      'bob',
    )
    expect(other.status).toBe(404)
    expect(
      (await fetch(`${stub.url}/api/jobs/${file.processing.jobId}`, { headers: stub.auth('bob') })).status,
    ).toBe(404)
    expect(
      (await fetch(`${stub.url}/v1/jobs/${file.processing.jobId}`, { headers: stub.auth('bob') })).status,
    ).toBe(404)
    const bobs = FileJobListSchema.parse(
      await (await fetch(`${stub.url}/api/jobs`, { headers: stub.auth('bob') })).json(),
    )
    expect(bobs.jobs).toEqual([])
  })
})
