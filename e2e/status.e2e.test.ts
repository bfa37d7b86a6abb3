import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launch, openAs } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('status page', () => {
  it('shows all five plugins healthy, read through the SDKs, for a signed-in user', async () => {
    const alice = await openAs(browser, inject('appUrl'), 'alice')
    await alice.page.goto('/')
    for (const plugin of ['realtime', 'notifications', 'jobs', 'files', 'idme']) {
      await alice.page.locator(`li[data-plugin="${plugin}"][data-state="up"]`).waitFor({ timeout: 15_000 })
    }
    await expect(alice.page.getByTestId('signed-in').textContent()).resolves.toContain('alice')
    await alice.screenshot('status-desktop')
    expect(alice.errors).toEqual([])
    await alice.context.close()
  })

  it('has no layout wider than a phone screen', async () => {
    const bob = await openAs(browser, inject('appUrl'), 'bob', 375)
    await bob.page.goto('/')
    await bob.page.locator('li[data-plugin="jobs"][data-state="up"]').waitFor({ timeout: 15_000 })
    const overflow = await bob.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    await bob.screenshot('status-phone')
    expect(overflow).toBeLessThanOrEqual(0)
    expect(bob.errors).toEqual([])
    await bob.context.close()
  })
})
