import type { FilesHealth } from '@nself/contracts/files'
import type { StubServer, StubServerOptions } from '../../server-options'
import { createPluginServer } from '../plugin-server'

/** Options of {@link createFilesServer}. */
export type FilesServerOptions = StubServerOptions

/** A running file-processing server. */
export type FilesServer = StubServer<'files'>

/**
 * Starts the file-processing plugin (env prefix `FILE_PROCESSING_`):
 * `GET /health`, `GET /metrics`.
 */
export function createFilesServer(options: FilesServerOptions = {}): Promise<FilesServer> {
  return createPluginServer('files', options, () => ({
    health: (): FilesHealth => ({ status: 'ok', timestamp: new Date().toISOString() }),
    extra: {},
  }))
}
