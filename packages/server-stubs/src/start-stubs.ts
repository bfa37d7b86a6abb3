import { PLUGINS, type PluginName } from '@nself/contracts'
import { createFilesServer, type FilesServer } from './plugins/files/server'
import { createIdmeServer, type IdmeServer } from './plugins/idme/server'
import { createJobsServer, type JobsServer } from './plugins/jobs/server'
import { createNotificationsServer, type NotificationsServer } from './plugins/notifications/server'
import { createRealtimeServer, type RealtimeServer } from './plugins/realtime/server'
import type { StubServerOptions } from './server-options'

/** The server type of each plugin. */
export interface PluginServers {
  realtime: RealtimeServer
  notifications: NotificationsServer
  jobs: JobsServer
  files: FilesServer
  idme: IdmeServer
}

/** The factory of each plugin. */
export const PLUGIN_FACTORIES: {
  [P in PluginName]: (options?: StubServerOptions) => Promise<PluginServers[P]>
} = {
  realtime: createRealtimeServer,
  notifications: createNotificationsServer,
  jobs: createJobsServer,
  files: createFilesServer,
  idme: createIdmeServer,
}

/** Options of {@link startStubs}: the shared server options plus which plugins, on which ports. */
export interface StartStubsOptions<P extends PluginName = PluginName>
  extends Omit<StubServerOptions, 'port'> {
  /** The plugins to start (default: all five). */
  plugins?: readonly P[]
  /** Port per plugin (default: each plugin's `<PLUGIN>_PORT`, else its seed port; `0` for a free one). */
  ports?: Partial<Record<PluginName, number>>
}

/** Several running plugin servers. */
export interface RunningStubs<P extends PluginName = PluginName> {
  /** The servers, by plugin. */
  readonly servers: Pick<PluginServers, P>
  /** Base URL of each plugin, e.g. `{ realtime: 'http://127.0.0.1:3101' }`. */
  readonly urls: Record<P, string>
  /** Stops every server; resolves when all ports are free. */
  close(): Promise<void>
}

/**
 * Starts several plugin servers at once. If any fails to start (e.g. its port is taken), the
 * ones already started are closed and the error is thrown.
 */
export async function startStubs<P extends PluginName = PluginName>(
  options: StartStubsOptions<P> = {},
): Promise<RunningStubs<P>> {
  const { plugins = PLUGINS as readonly PluginName[] as readonly P[], ports = {}, ...shared } = options
  const unique = [...new Set(plugins)]
  const results = await Promise.allSettled(
    unique.map((plugin) => {
      const port = ports[plugin]
      return PLUGIN_FACTORIES[plugin]({ ...shared, ...(port === undefined ? {} : { port }) })
    }),
  )
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))
  if (failures.length > 0) {
    await Promise.allSettled(started.map((s) => s.close()))
    throw failures.length === 1
      ? failures[0]
      : new AggregateError(failures, 'several stub servers failed to start')
  }
  const servers = {} as Record<P, PluginServers[P]>
  const urls = {} as Record<P, string>
  for (const server of started) {
    servers[server.plugin as P] = server as PluginServers[P]
    urls[server.plugin as P] = server.url
  }
  let closing: Promise<void> | undefined
  return {
    servers: servers as unknown as Pick<PluginServers, P>,
    urls,
    close: () => {
      closing ??= Promise.all(started.map((s) => s.close())).then(() => undefined)
      return closing
    },
  }
}
