import type { PluginName } from '@nself/contracts'
import type { Counter, MetricsRegistry } from './registry'

/** The metrics every stub server records. */
export interface DefaultMetrics {
  /** `nself_http_requests_total{method,route,status}`. */
  httpRequests: Counter
  /** `nself_http_request_duration_seconds_total{method,route}`: summed handling time. */
  httpRequestSeconds: Counter
}

/**
 * Registers the process metrics (uptime, resident memory, heap), a plugin info gauge and the
 * HTTP request counters on `registry`.
 */
export function registerDefaultMetrics(registry: MetricsRegistry, plugin: PluginName): DefaultMetrics {
  const startedAt = Date.now()
  registry.gauge('nself_plugin_info', 'The plugin this server implements.', () => [
    { labels: { plugin }, value: 1 },
  ])
  registry.gauge('process_uptime_seconds', 'Seconds since the process started.', () => process.uptime())
  registry.gauge(
    'nself_server_uptime_seconds',
    'Seconds since this server started.',
    () => (Date.now() - startedAt) / 1000,
  )
  registry.gauge(
    'process_start_time_seconds',
    'Start time of the process since the Unix epoch, in seconds.',
    () => Math.round(Date.now() / 1000 - process.uptime()),
  )
  registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () =>
    process.memoryUsage.rss(),
  )
  registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed)
  return {
    httpRequests: registry.counter(
      'nself_http_requests_total',
      'HTTP requests answered, by route and status.',
    ),
    httpRequestSeconds: registry.counter(
      'nself_http_request_duration_seconds_total',
      'Total seconds spent answering HTTP requests, by route.',
    ),
  }
}
