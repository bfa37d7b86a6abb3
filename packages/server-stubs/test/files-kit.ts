// Helpers for the file-processing server's tests (not built, not published).
import type { FileRecord } from '@nself/contracts/files'
import sharp from 'sharp'
import * as tus from 'tus-js-client'
import { signDevToken } from '../src/auth/jwt'
import { createFilesServer, type FilesServer, type FilesServerOptions } from '../src/plugins/files/server'

import { raw } from './raw-http'

export { raw }

export const SECRET = 'files-test-secret-0123456789abcdef'

/** A running files server with token helpers. */
export interface FilesStub {
  readonly server: FilesServer
  readonly url: string
  token(userId: string, expiresIn?: number | string): string
  auth(userId: string): { authorization: string }
  close(): Promise<void>
}

/** Starts the files server on a free port with `env` (an empty environment otherwise). */
export async function startFilesStub(
  env: Record<string, string> = {},
  options: Omit<FilesServerOptions, 'env'> = {},
): Promise<FilesStub> {
  const server = await createFilesServer({
    port: 0,
    jwtSecret: SECRET,
    logger: false,
    ...options,
    env: { NODE_ENV: 'test', ...env },
  })
  return {
    server,
    url: server.url,
    token: (userId, expiresIn) =>
      signDevToken({ userId, ...(expiresIn === undefined ? {} : { expiresIn }) }, SECRET),
    auth: (userId) => ({ authorization: `Bearer ${signDevToken({ userId }, SECRET)}` }),
    close: () => server.close(),
  }
}

/** Uploads `data` with tus-js-client (Node) and resolves with the upload's id. */
export function tusUpload(
  stub: FilesStub,
  data: Buffer,
  options: { user?: string; metadata?: Record<string, string>; chunkSize?: number; endpoint?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(data, {
      endpoint: options.endpoint ?? `${stub.url}/uploads`,
      headers: stub.auth(options.user ?? 'alice'),
      metadata: options.metadata ?? { name: 'file.bin' },
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      retryDelays: null,
      onError: reject,
      onSuccess: () => resolve((upload.url ?? '').split('/').pop() as string),
    })
    upload.start()
  })
}

/** `GET /api/files/:id?wait=` until processing ends. */
export async function processed(stub: FilesStub, id: string, user = 'alice'): Promise<FileRecord> {
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${stub.url}/api/files/${id}?wait=10`, { headers: stub.auth(user) })
    if (res.status !== 200) throw new Error(`GET /api/files/${id}: ${res.status} ${await res.text()}`)
    const record = (await res.json()) as FileRecord
    if (['completed', 'failed', 'cancelled'].includes(record.processing.status)) return record
  }
  throw new Error(`file ${id} never finished processing`)
}

/** tus headers for a request by `user`. */
export function tusHeaders(stub: FilesStub, user = 'alice', extra: Record<string, string | number> = {}) {
  return { ...stub.auth(user), 'tus-resumable': '1.0.0', ...extra }
}

/** Encodes `Upload-Metadata`. */
export function uploadMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',')
}

/** A camera-like JPEG: `width`×`height`, with EXIF (camera make) and a GPS block that must not survive. */
export function photo(
  width: number,
  height: number,
  format: 'jpeg' | 'png' | 'webp' = 'jpeg',
): Promise<Buffer> {
  // A gradient (not a flat colour) so encoders have real work, as with a photo.
  const channels = 3
  const pixels = Buffer.alloc(width * height * channels)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels
      pixels[i] = (x * 255) / width
      pixels[i + 1] = (y * 255) / height
      pixels[i + 2] = ((x ^ y) & 0xff) >> 1
    }
  }
  return sharp(pixels, { raw: { width, height, channels } })
    .toFormat(format)
    .withExif({
      IFD0: { Make: 'SecretCam', Model: 'X100-TEST' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2600/100', GPSMapDatum: 'WGS-84-TEST' },
    })
    .toBuffer()
}

/** A tus creation (`POST /uploads`) of `length` bytes with `metadata`, as `user`: the raw response. */
export function createUpload(
  stub: FilesStub,
  length: number,
  metadata: Record<string, string>,
  user = 'alice',
) {
  return raw(`${stub.url}/uploads`, {
    method: 'POST',
    headers: tusHeaders(stub, user, { 'upload-length': length, 'upload-metadata': uploadMetadata(metadata) }),
  })
}

/** A tus `PATCH` of `body` at `offset` to the upload whose creation answered `created`. */
export function patchUpload(
  stub: FilesStub,
  created: { headers: Record<string, string | string[] | undefined> },
  offset: number,
  body: string | Buffer,
  user = 'alice',
) {
  return raw(`${stub.url}${created.headers.location}`, {
    method: 'PATCH',
    headers: tusHeaders(stub, user, {
      'upload-offset': offset,
      'content-type': 'application/offset+octet-stream',
    }),
    body,
  })
}
