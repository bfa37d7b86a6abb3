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

const XSS = '<img src=x onerror=alert(1)>'

describe('notifications', () => {
  it("a message sent from alice's page lights bob's bell at once, and markup in it stays text", async () => {
    const start = performance.now()
    const aliceId = uniqueUser('alice')
    const bobId = uniqueUser('bob')
    const alice = await openAs(browser, inject('appUrl'), aliceId)
    const bob = await openAs(browser, inject('appUrl'), bobId)

    await bob.page.goto('/')
    await bob.page.getByTestId('notification-bell').waitFor({ timeout: 30_000 })
    await bob.screenshot('notifications-1-bob-empty-bell')

    await alice.page.goto('/notifications')
    const form = alice.page.locator('form', { has: alice.page.locator('input[name="to"]') })
    await form.waitFor({ timeout: 30_000 })
    await form.locator('input[name="to"]').fill(bobId)
    await form.locator('input[name="text"]').fill(XSS)
    await alice.screenshot('notifications-2-alice-compose')
    const sentAt = performance.now()
    await form.getByRole('button', { name: 'Send' }).click()
    await expect
      .poll(() => alice.page.getByTestId('send-status').textContent(), { timeout: 15_000 })
      .toMatch(/^Sent: in_app /)

    // Bob's badge updates live (server-sent events), no reload.
    const badge = bob.page.getByTestId('notification-badge')
    await badge.waitFor({ timeout: 15_000 })
    const badgeMs = since(sentAt)
    expect(await badge.textContent()).toBe('1')
    await bob.screenshot('notifications-3-bob-badge')

    await bob.page.getByTestId('notification-bell').click()
    const item = bob.page.getByTestId('bell-item').first()
    await item.waitFor({ timeout: 15_000 })
    expect(await item.textContent()).toContain(XSS)
    expect(await item.textContent()).toContain(`New message from ${aliceId}`)
    // The markup was rendered as text: no element was made from it, and nothing ran.
    expect(await bob.page.locator('img[src="x"]').count()).toBe(0)
    expect(await bob.page.locator('[role="dialog"] img').count()).toBe(0)
    await bob.screenshot('notifications-4-bob-dropdown')

    // The inbox page shows it too, still as text.
    await bob.page.goto('/notifications')
    const inboxItem = bob.page.getByTestId('inbox-item').first()
    await inboxItem.waitFor({ timeout: 15_000 })
    expect(await inboxItem.textContent()).toContain(XSS)
    expect(await bob.page.locator('img[src="x"]').count()).toBe(0)
    await bob.screenshot('notifications-5-bob-inbox')

    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
    console.log(`[e2e] notifications: badge ${badgeMs} ms after send; scenario ${since(start)} ms`)
    await alice.context.close()
    await bob.context.close()
  })
})
