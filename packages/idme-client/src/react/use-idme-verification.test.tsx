import { IdmeBadge, useIdmeVerification, VerifyWithIdmeButton } from '@nself/idme-client'
import { createIdmeHandlers } from '@nself/idme-client/testing'
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { setupServer } from 'msw/node'
import { StrictMode } from 'react'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

// jsdom's fetch needs absolute URLs: mount the routes at an absolute base path.
const basePath = 'http://localhost:3000/api/idme'
const mock = createIdmeHandlers({ groups: ['military'] })
const server = setupServer(...mock.handlers)

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  cleanup()
  mock.setGroups(['military'])
  mock.setSignedIn(true)
})
afterAll(() => server.close())

function Settings() {
  const idme = useIdmeVerification({ basePath })
  return (
    <div>
      <p data-testid="status">{idme.status}</p>
      <p data-testid="error">{idme.error?.code ?? ''}</p>
      <p data-testid="military">{String(idme.isVerified('veteran'))}</p>
      {idme.groups.map((g) => (
        <IdmeBadge key={g} group={g} />
      ))}
      <button type="button" onClick={() => void idme.revoke()}>
        Remove
      </button>
    </div>
  )
}

describe('useIdmeVerification', () => {
  it('reads the status through the route handlers and shows the badge; revoke clears it', async () => {
    render(
      <StrictMode>
        <Settings />
      </StrictMode>,
    )
    expect(screen.getByTestId('status').textContent).toBe('loading')
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('verified'))
    expect(screen.getByTestId('military').textContent).toBe('true')
    expect(screen.getByText('✓ Military').getAttribute('data-idme-group')).toBe('military')
    await act(async () => fireEvent.click(screen.getByText('Remove')))
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('unverified'))
    expect(mock.requests.revoke).toBe(1)
    expect(screen.queryByText('✓ Military')).toBeNull()
  })

  it('reports the error of the redirect back as a typed code and cleans the address bar', async () => {
    window.history.replaceState(null, '', '/settings?tab=1&idme=error&code=state_expired')
    mock.setGroups([])
    render(<Settings />)
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('unverified'))
    expect(screen.getByTestId('error').textContent).toBe('IDME_STATE_EXPIRED')
    expect(window.location.search).toBe('?tab=1')
  })

  it('a signed-out user is unverified with UNAUTHENTICATED', async () => {
    mock.setSignedIn(false)
    render(<Settings />)
    await waitFor(() => expect(screen.getByTestId('error').textContent).toBe('UNAUTHENTICATED'))
    expect(screen.getByTestId('status').textContent).toBe('unverified')
  })
})

describe('VerifyWithIdmeButton', () => {
  it('sends the browser to the start route with the groups and the current page to return to', () => {
    window.history.replaceState(null, '', '/settings')
    const assign = vi.fn()
    const original = window.location
    Object.defineProperty(window, 'location', {
      configurable: true,
      value: { ...original, assign, pathname: '/settings', search: '', href: original.href },
    })
    try {
      render(<VerifyWithIdmeButton basePath={basePath} groups={['veteran', 'student']} />)
      fireEvent.click(screen.getByRole('button', { name: 'Verify with ID.me' }))
      expect(assign).toHaveBeenCalledWith(`${basePath}/start?groups=veteran%2Cstudent&returnTo=%2Fsettings`)
    } finally {
      Object.defineProperty(window, 'location', { configurable: true, value: original })
    }
  })
})
