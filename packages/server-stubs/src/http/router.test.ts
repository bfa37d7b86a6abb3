import { describe, expect, it } from 'vitest'
import { HttpError, json, Router } from '../index'

const ok = () => json({})

describe('Router', () => {
  const router = new Router()
    .get('/v1/jobs', ok)
    .post('/v1/jobs', ok)
    .get('/v1/jobs/:id', ok)
    .get('/v1/jobs/stats', ok)
    .delete('/v1/jobs/:id', ok)
    .post('/v1/jobs/:id/retry', ok)
    .patch('/files/:id/*', ok)

  it('matches static routes and path parameters, decoded', () => {
    const match = router.match('GET', '/v1/jobs/a%2Fb%20c')
    expect(match.kind === 'found' && match.route.pattern).toBe('/v1/jobs/:id')
    expect(match.kind === 'found' && match.params).toEqual({ id: 'a/b c' })
    const retry = router.match('POST', '/v1/jobs/42/retry/')
    expect(retry.kind === 'found' && retry.params).toEqual({ id: '42' })
  })

  it('prefers static segments over parameters, whatever the order', () => {
    const match = router.match('GET', '/v1/jobs/stats')
    expect(match.kind === 'found' && match.route.pattern).toBe('/v1/jobs/stats')
  })

  it('routes HEAD to GET, and the rest of the path to *', () => {
    expect(router.match('HEAD', '/v1/jobs').kind).toBe('found')
    const rest = router.match('PATCH', '/files/f1/a/b%20c')
    expect(rest.kind === 'found' && rest.params).toEqual({ id: 'f1', '*': 'a/b c' })
    expect(router.match('PATCH', '/files/f1').kind).toBe('not-found')
  })

  it('tells 404 from 405 and lists the allowed methods', () => {
    expect(router.match('GET', '/v2/jobs').kind).toBe('not-found')
    expect(router.match('GET', '/v1/jobs//x').kind).toBe('not-found')
    expect(router.match('PUT', '/v1/jobs/9')).toEqual({
      kind: 'method-not-allowed',
      allow: ['GET', 'DELETE', 'HEAD', 'OPTIONS'],
    })
  })

  it('rejects malformed percent-encoding with a 400 HttpError', () => {
    expect(() => router.match('GET', '/v1/jobs/%E0%A4%A')).toThrow(HttpError)
  })

  it('validates patterns', () => {
    expect(() => new Router().get('nope', ok)).toThrow(/start with/)
    expect(() => new Router().get('/a/*/b', ok)).toThrow(/last segment/)
  })
})
