import { describe, expect, it } from 'vitest'
import { MetricsRegistry } from '../index'

describe('MetricsRegistry', () => {
  it('renders counters and gauges in the Prometheus text format', () => {
    const registry = new MetricsRegistry()
    const requests = registry.counter('http_requests_total', 'Requests.\nBy route.')
    requests.inc({ route: '/a', status: '200' })
    requests.inc({ status: '200', route: '/a' }, 2)
    requests.inc({ route: 'say "hi"\\\n', status: '500' })
    const queue = registry.gauge('queue_depth', 'Jobs waiting.')
    queue.set(5)
    queue.dec()
    registry.gauge('temperature', 'Computed at scrape.', () => [
      { labels: { room: 'a' }, value: 1.5 },
      { labels: { room: 'b' }, value: Number.POSITIVE_INFINITY },
    ])
    expect(requests.get({ status: '200', route: '/a' })).toBe(3)
    expect(registry.render()).toBe(
      [
        '# HELP http_requests_total Requests.\\nBy route.',
        '# TYPE http_requests_total counter',
        'http_requests_total{route="/a",status="200"} 3',
        'http_requests_total{route="say \\"hi\\"\\\\\\n",status="500"} 1',
        '# HELP queue_depth Jobs waiting.',
        '# TYPE queue_depth gauge',
        'queue_depth 4',
        '# HELP temperature Computed at scrape.',
        '# TYPE temperature gauge',
        'temperature{room="a"} 1.5',
        'temperature{room="b"} +Inf',
        '',
      ].join('\n'),
    )
  })

  it('refuses decreasing counters, bad names and type clashes', () => {
    const registry = new MetricsRegistry()
    const counter = registry.counter('c_total', 'c')
    expect(() => counter.inc({}, -1)).toThrow(RangeError)
    expect(() => registry.gauge('c_total', 'c')).toThrow(/already a counter/)
    expect(() => registry.counter('bad-name', 'x')).toThrow(/invalid metric name/)
    expect(registry.counter('c_total', 'c')).toBeDefined()
  })
})
