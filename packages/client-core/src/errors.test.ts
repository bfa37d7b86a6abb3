import { codeForStatus, errorFromResponse, NselfError, toNselfError } from '@nself/client-core'
import { ERROR_CODES, ERROR_STATUS, type ErrorCode } from '@nself/contracts'
import { describe, expect, it } from 'vitest'

describe('codeForStatus', () => {
  it('gives every status in ERROR_STATUS the first code listed for it', () => {
    const first = new Map<number, ErrorCode>()
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      if (status !== undefined && !first.has(status)) first.set(status, code as ErrorCode)
    }
    expect(first.size).toBeGreaterThan(10)
    for (const [status, code] of first) expect([status, codeForStatus(status)]).toEqual([status, code])
  })

  it('falls back to BAD_REQUEST below 500 and INTERNAL_ERROR from 500', () => {
    expect([codeForStatus(418), codeForStatus(504), codeForStatus(599)]).toEqual([
      'BAD_REQUEST',
      'INTERNAL_ERROR',
      'INTERNAL_ERROR',
    ])
  })
})

describe('errorFromResponse', () => {
  it('keeps a known code from the body and maps an unknown one by status', () => {
    for (const code of ERROR_CODES) expect(errorFromResponse(400, { error: 'x', code }).code).toBe(code)
    const unknown = errorFromResponse(404, { error: 'gone', code: 'NOT_A_CODE', details: { id: 1 } }, 2000)
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', status: 404, message: 'gone', retryAfterMs: 2000 })
    expect(unknown.details).toEqual({ id: 1 })
    expect(errorFromResponse(502, 'bad gateway').message).toBe('bad gateway')
    expect(errorFromResponse(503, undefined)).toMatchObject({ code: 'UNAVAILABLE', message: 'HTTP 503' })
  })
})

describe('NselfError', () => {
  it('has its fields as own properties, retryable by code or status unless told', () => {
    const error = new NselfError('NOT_FOUND', 'gone', { status: 404 })
    expect(Object.keys(error)).toEqual(
      expect.arrayContaining(['name', 'code', 'status', 'retryable', 'details', 'retryAfterMs']),
    )
    expect(error).toBeInstanceOf(Error)
    expect([error.name, error.retryable]).toEqual(['NselfError', false])
    expect(new NselfError('TIMEOUT', 't').retryable).toBe(true)
    expect(new NselfError('BAD_REQUEST', 'b', { status: 500 }).retryable).toBe(true)
    expect(new NselfError('TIMEOUT', 't', { retryable: false }).retryable).toBe(false)
    expect('cause' in new NselfError('TIMEOUT', 't')).toBe(false)
    expect(new NselfError('TIMEOUT', 't', { cause: 1 }).cause).toBe(1)
  })

  it('wraps anything thrown, with ABORTED for an AbortError', () => {
    const abort = new DOMException('stop', 'AbortError')
    expect(toNselfError(abort)).toMatchObject({ code: 'ABORTED', cause: abort })
    expect(toNselfError(new TypeError('fetch failed'))).toMatchObject({
      code: 'NETWORK_ERROR',
      message: 'fetch failed',
    })
    expect(toNselfError('boom', 'UPSTREAM_ERROR')).toMatchObject({ code: 'UPSTREAM_ERROR', message: 'boom' })
  })
})
