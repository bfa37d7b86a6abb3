import { configureNself } from '@nself/client-core'
import { NselfProvider } from '@nself/client-core/react'
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { setupServer } from 'msw/node'
import { StrictMode } from 'react'
import { renderToString } from 'react-dom/server'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { useFileUpload } from '../index'
import { createFilesHandlers } from '../testing'

// What a browser bundler picks (the package's "browser" field): XHR, Blob slices, localStorage.
vi.mock('tus-js-client', () => {
  const browserBuild: string = 'tus-js-client/lib.esm/browser/index.js'
  return import(/* @vite-ignore */ browserBuild)
})

// An unsigned token is enough for the fake: it reads `userId` without verifying.
const token = (userId: string) => `x.${btoa(JSON.stringify({ userId }))}.x`
const fake = createFilesHandlers({ baseUrl: 'http://files.test' })
const server = setupServer(...fake.handlers)

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  cleanup()
  fake.reset()
  fake.setOffline(false)
  fake.setProcessing(() => ({ status: 'completed' }))
  configureNself({})
})
afterAll(() => server.close())

function Uploader(props: { maxSize?: string; accept?: string }) {
  const { upload, uploads, uploadProgress, retry, cancel, dropzoneProps } = useFileUpload({
    ...props,
    retryDelays: [],
    retry: false,
  })
  return (
    <div data-testid="drop" {...dropzoneProps}>
      <button
        type="button"
        onClick={() => upload(new File(['hello'], 'hello.txt', { type: 'text/plain' })).catch(() => {})}
      >
        send
      </button>
      <output data-testid="progress">{uploadProgress}</output>
      <ul>
        {uploads.map((u) => (
          <li key={u.id} data-testid={`upload-${u.name}`} data-state={u.state}>
            {u.name} {u.state} {u.result?.mimeType} {u.error?.code}
            {u.state === 'failed' && u.error?.retryable ? (
              <button type="button" onClick={() => retry(u.id)}>
                retry {u.name}
              </button>
            ) : null}
            {u.state === 'uploading' ? (
              <button type="button" onClick={() => cancel(u.id)}>
                cancel {u.name}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  )
}

const wrap = (ui: React.ReactNode) => (
  <StrictMode>
    <NselfProvider urls={{ files: 'http://files.test' }} getToken={() => token('alice')}>
      {ui}
    </NselfProvider>
  </StrictMode>
)

describe('useFileUpload', () => {
  it("uploads with the seeds' shape and shows each file's state", async () => {
    render(wrap(<Uploader />))
    fireEvent.click(screen.getByText('send'))
    await waitFor(() => expect(screen.getByTestId('upload-hello.txt').dataset.state).toBe('ready'))
    expect(screen.getByTestId('upload-hello.txt').textContent).toContain('text/plain')
    const [stored] = [...fake.files.values()]
    expect(stored?.owner).toBe('alice')
    expect(new TextDecoder().decode(stored?.bytes)).toBe('hello')
  })

  it('queues dropped and pasted files', async () => {
    render(wrap(<Uploader />))
    const drop = screen.getByTestId('drop')
    fireEvent.drop(drop, {
      dataTransfer: { files: [new File(['a'], 'dropped.txt', { type: 'text/plain' })] },
    })
    fireEvent.paste(drop, {
      clipboardData: { files: [new File(['b'], 'pasted.txt', { type: 'text/plain' })] },
    })
    await waitFor(() => {
      expect(screen.getByTestId('upload-dropped.txt').dataset.state).toBe('ready')
      expect(screen.getByTestId('upload-pasted.txt').dataset.state).toBe('ready')
    })
  })

  it('refuses what maxSize and accept exclude before sending anything', async () => {
    render(wrap(<Uploader maxSize="3B" accept="image/*" />))
    fireEvent.click(screen.getByText('send'))
    await waitFor(() => expect(screen.getByTestId('upload-hello.txt').dataset.state).toBe('failed'))
    expect(screen.getByTestId('upload-hello.txt').textContent).toContain('PAYLOAD_TOO_LARGE')
    expect(screen.queryByText('retry hello.txt')).toBeNull()
    expect(fake.requests.uploads).toBe(0)
  })

  it('a failed upload shows a retry button that finishes it', async () => {
    fake.setOffline(true)
    render(wrap(<Uploader />))
    fireEvent.click(screen.getByText('send'))
    await waitFor(() => expect(screen.getByTestId('upload-hello.txt').dataset.state).toBe('failed'))
    expect(screen.getByTestId('upload-hello.txt').textContent).toContain('NETWORK_ERROR')
    fake.setOffline(false)
    fireEvent.click(screen.getByText('retry hello.txt'))
    await waitFor(() => expect(screen.getByTestId('upload-hello.txt').dataset.state).toBe('ready'))
  })

  it('a processing failure is failed, with its code, and no retry button', async () => {
    fake.setProcessing(() => ({ status: 'failed', code: 'CORRUPT_FILE' }))
    render(wrap(<Uploader />))
    fireEvent.click(screen.getByText('send'))
    await waitFor(() => expect(screen.getByTestId('upload-hello.txt').dataset.state).toBe('failed'))
    expect(screen.getByTestId('upload-hello.txt').textContent).toContain('PROCESSING_FAILED')
    expect(screen.queryByText('retry hello.txt')).toBeNull()
  })

  it('renders on the server with no uploads and touches no browser API', () => {
    const html = renderToString(wrap(<Uploader />))
    expect(html).toContain('data-testid="progress"')
    expect(html).not.toContain('data-state')
  })

  it('pauses what is still running when the component unmounts: no request outlives it', async () => {
    const slow = createFilesHandlers({ baseUrl: 'http://slow.test', processingDelayMs: 400 })
    server.use(...slow.handlers)
    let service: ReturnType<typeof useFileUpload>['service'] | undefined
    function Probe() {
      service = useFileUpload({ baseUrl: 'http://slow.test' }).service
      return null
    }
    const view = render(wrap(<Probe />))
    act(() => {
      service?.add(new File(['x'], 'a.txt', { type: 'text/plain' }))
    })
    await waitFor(() => expect(service?.getSnapshot()[0]?.state).toBe('processing'))
    view.unmount()
    expect(service?.getSnapshot()[0]).toMatchObject({ state: 'processing', paused: true })
    // Processing ends on the server; nobody in the client is waiting for it any more.
    await new Promise((r) => setTimeout(r, 600))
    expect(service?.getSnapshot()[0]).toMatchObject({ state: 'processing', paused: true })
    service?.resume()
    await waitFor(() => expect(service?.getSnapshot()[0]?.state).toBe('ready'))
  })
})
