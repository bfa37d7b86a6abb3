import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launch, openAs, since, uniqueUser } from './browser'
import { noisyPng } from './png'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

interface UploadLog {
  states: string[]
  progress: number[]
}

describe('files (uploads)', () => {
  it('an image upload shows its progress, then its thumbnail, and goes out with a message', async () => {
    const start = performance.now()
    const alice = await openAs(browser, inject('appUrl'), uniqueUser('alice'))
    const png = noisyPng(900, 700)
    const name = `photo-${Date.now().toString(36)}.png`

    await alice.page.goto('/files')
    const input = alice.page.getByTestId('file-input')
    await input.waitFor({ state: 'attached', timeout: 30_000 })

    // A slow uplink (about 0.5 MB/s), so the progress is there to be seen.
    const cdp = await alice.context.newCDPSession(alice.page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 512 * 1024,
    })

    // Record, in the page, every state and progress value the upload row goes through.
    await alice.page.evaluate((testId) => {
      const log: UploadLog = { states: [], progress: [] }
      ;(window as unknown as { __uploadLog: UploadLog }).__uploadLog = log
      const record = () => {
        const row = document.querySelector(`[data-testid="${testId}"]`)
        if (!row) return
        const state = row.getAttribute('data-state') ?? ''
        if (log.states.at(-1) !== state) log.states.push(state)
        const bar = row.querySelector('progress')
        const value = bar?.getAttribute('value')
        if (value != null && log.progress.at(-1) !== Number(value)) log.progress.push(Number(value))
      }
      new MutationObserver(record).observe(document.body, {
        childList: true,
        subtree: true,
        attributes: true,
      })
    }, `upload-${name}`)

    const chosenAt = performance.now()
    await input.setInputFiles({ name, mimeType: 'image/png', buffer: png })
    const row = alice.page.getByTestId(`upload-${name}`)
    await row.locator('progress').waitFor({ timeout: 15_000 })
    // Shot once some bytes are up, so the bar shows progress.
    await expect
      .poll(
        () =>
          alice.page.evaluate(() =>
            (window as unknown as { __uploadLog: UploadLog }).__uploadLog.progress.some((p) => p >= 10),
          ),
        { timeout: 30_000 },
      )
      .toBe(true)
    await alice.screenshot('files-1-uploading')
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 60_000 }).toBe('ready')
    const readyMs = since(chosenAt)
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    })

    const thumb = row.locator('img')
    await thumb.waitFor({ timeout: 15_000 })
    await expect
      .poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 15_000 })
      .toBeGreaterThan(0)
    await alice.screenshot('files-2-thumbnail')

    const log = await alice.page.evaluate(() => (window as unknown as { __uploadLog: UploadLog }).__uploadLog)
    expect(log.states).toContain('uploading')
    expect(log.states.at(-1)).toBe('ready')
    // Progress was shown on the way: some value strictly between 0 and 100.
    expect(log.progress.some((p) => p > 0 && p < 100)).toBe(true)

    // Sent with a message: the thumbnail is in the conversation.
    await alice.page.getByRole('textbox', { name: 'Message' }).fill('Look at this')
    await alice.page.getByRole('button', { name: 'Send' }).click()
    const sentImage = alice.page.locator('ol[aria-label="Messages"] img')
    await sentImage.waitFor({ timeout: 15_000 })
    await expect
      .poll(() => sentImage.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 15_000 })
      .toBeGreaterThan(0)
    await alice.screenshot('files-3-sent')

    expect(alice.errors).toEqual([])
    console.log(
      `[e2e] files: ${(png.length / 1024 / 1024).toFixed(1)} MB image ready (uploaded + processed) ${readyMs} ms after choosing it at ~0.5 MB/s; states ${log.states.join(' → ')}; progress ${log.progress.join(', ')}; scenario ${since(start)} ms`,
    )
    await alice.context.close()
  })
})
