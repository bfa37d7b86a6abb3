import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launch, openAs, since, uniqueUser } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('ID.me verification', () => {
  it('Verify with ID.me → the fake ID.me → back on /settings with the badge; cancelling shows the error', async () => {
    const start = performance.now()
    const appUrl = inject('appUrl')
    const idmeUrl = inject('stubUrls').idme
    const alice = await openAs(browser, appUrl, uniqueUser('alice'))
    const bob = await openAs(browser, appUrl, uniqueUser('bob'))

    // Alice verifies.
    await alice.page.goto('/settings')
    const status = alice.page.getByTestId('idme-status')
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 30_000 }).toBe('unverified')
    expect(await alice.page.getByTestId('idme-badge').count()).toBe(0)
    await alice.screenshot('idme-1-settings-unverified')
    const clickedAt = performance.now()
    await alice.page.getByTestId('idme-verify').click()

    const form = alice.page.getByTestId('idme-authorize-form')
    await form.waitFor({ timeout: 30_000 })
    expect(alice.page.url().startsWith(idmeUrl)).toBe(true)
    expect(await alice.page.getByTestId('idme-identity').count()).toBeGreaterThan(0)
    expect(await alice.page.getByTestId('idme-group-military').isChecked()).toBe(true)
    await alice.page.getByTestId('idme-email').fill('alice.veteran@example.com')
    await alice.screenshot('idme-2-fake-idme')
    await alice.page.getByTestId('idme-continue').click()

    const badge = alice.page.getByTestId('idme-badge')
    await badge.first().waitFor({ timeout: 30_000 })
    const verifiedMs = since(clickedAt)
    expect(new URL(alice.page.url()).pathname).toBe('/settings')
    expect(await status.getAttribute('data-status')).toBe('verified')
    expect(await badge.count()).toBe(1)
    expect(await alice.page.getByTestId('idme-error').count()).toBe(0)
    await alice.screenshot('idme-3-badge')

    // Still verified after a reload (kept by the app's server, not only in the URL).
    await alice.page.goto('/settings')
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 30_000 }).toBe('verified')
    expect(await badge.count()).toBe(1)

    // Bob starts, then cancels at ID.me.
    await bob.page.goto('/settings')
    await expect
      .poll(() => bob.page.getByTestId('idme-status').getAttribute('data-status'), { timeout: 30_000 })
      .toBe('unverified')
    await bob.page.getByTestId('idme-verify').click()
    await bob.page.getByTestId('idme-authorize-form').waitFor({ timeout: 30_000 })
    await bob.page.getByTestId('idme-cancel').click()
    const error = bob.page.getByTestId('idme-error')
    await error.waitFor({ timeout: 30_000 })
    expect(new URL(bob.page.url()).pathname).toBe('/settings')
    expect(await error.getAttribute('data-code')).toBe('IDME_ACCESS_DENIED')
    expect(await bob.page.getByTestId('idme-badge').count()).toBe(0)
    await bob.screenshot('idme-4-cancelled')

    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
    console.log(`[e2e] idme: verified (click → badge) in ${verifiedMs} ms; scenario ${since(start)} ms`)
    await alice.context.close()
    await bob.context.close()
  })
})
