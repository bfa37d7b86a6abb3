import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launch, openAs, since, uniqueUser } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

/** The member avatar of `userId` in the open channel, with that presence status. */
function member(page: Page, userId: string, status: string) {
  return page.locator(`ul[aria-label="Members"] [title^="${userId}: ${status}"]`)
}

/**
 * Resolves (in the page) with `Date.now()` at the moment a message with `text` is in the list:
 * a MutationObserver, so the figure is the browser's, not the test's polling interval.
 */
function arrivalOf(page: Page, text: string): Promise<number> {
  return page.evaluate(
    (wanted) =>
      new Promise<number>((resolve) => {
        const seen = () =>
          [...document.querySelectorAll('ol[aria-label="Messages"] li p')].some(
            (p) => p.textContent === wanted,
          )
        if (seen()) return resolve(Date.now())
        const observer = new MutationObserver(() => {
          if (!seen()) return
          observer.disconnect()
          resolve(Date.now())
        })
        observer.observe(document.body, { childList: true, subtree: true, characterData: true })
      }),
    text,
  )
}

describe('channels (realtime)', () => {
  it('two users see each other come online, type and send; a message arrives within 1 s', async () => {
    const start = performance.now()
    const appUrl = inject('appUrl')
    const aliceId = uniqueUser('alice')
    const bobId = uniqueUser('bob')
    const alice = await openAs(browser, appUrl, aliceId)
    const bob = await openAs(browser, appUrl, bobId)

    await alice.page.goto('/channels')
    await member(alice.page, aliceId, 'online').waitFor({ timeout: 30_000 })
    await alice.screenshot('channels-1-alice-alone')

    // Bob joins #general: each sees the other online.
    const joinedAt = performance.now()
    await bob.page.goto('/channels')
    await member(alice.page, bobId, 'online').waitFor({ timeout: 30_000 })
    const onlineMs = since(joinedAt)
    await member(bob.page, aliceId, 'online').waitFor({ timeout: 30_000 })
    await bob.screenshot('channels-2-bob-sees-alice')
    await alice.screenshot('channels-3-alice-sees-bob')

    // Bob types: Alice sees the typing line.
    const input = bob.page.getByRole('textbox', { name: 'Message #general' })
    const text = `Hello ${aliceId}, it is ${bobId}`
    const typedAt = performance.now()
    await input.pressSequentially(text.slice(0, 12), { delay: 20 })
    const typing = alice.page.getByText(`${bobId} is typing…`, { exact: true })
    await typing.waitFor({ timeout: 15_000 })
    const typingMs = since(typedAt)
    await alice.screenshot('channels-4-alice-sees-typing')
    await input.pressSequentially(text.slice(12))

    // Bob sends: the message is in Alice's list within 1 s, measured in her browser.
    const arrival = arrivalOf(alice.page, text)
    await bob.page.waitForTimeout(50) // the observer is installed before the send
    const sentAt = Date.now()
    await input.press('Enter')
    const latencyMs = (await arrival) - sentAt
    await expect.poll(() => typing.count(), { timeout: 15_000 }).toBe(0)
    await alice.screenshot('channels-5-alice-received')
    const own = bob.page.locator('ol[aria-label="Messages"] li', { hasText: text })
    await expect.poll(() => own.getAttribute('data-status'), { timeout: 15_000 }).not.toBe('pending')
    expect(await own.getAttribute('data-status')).not.toBe('failed')
    await bob.screenshot('channels-6-bob-sent')

    // Alice answers and mentions Bob: he gets the message, and a notification in his bell.
    const reply = `Hi @${bobId}!`
    const replyArrival = arrivalOf(bob.page, reply)
    await alice.page.getByRole('textbox', { name: 'Message #general' }).fill(reply)
    const repliedAt = Date.now()
    await alice.page.getByRole('textbox', { name: 'Message #general' }).press('Enter')
    const replyMs = (await replyArrival) - repliedAt
    const badge = bob.page.getByTestId('notification-badge')
    await badge.waitFor({ timeout: 15_000 })
    const mentionMs = Date.now() - repliedAt
    expect(await badge.textContent()).toBe('1')
    await bob.screenshot('channels-7-bob-mentioned')

    // Bob leaves: Alice sees him go.
    await bob.context.close()
    await expect.poll(() => member(alice.page, bobId, 'online').count(), { timeout: 30_000 }).toBe(0)
    await alice.screenshot('channels-8-bob-left')

    console.log(
      `[e2e] channels: online after ${onlineMs} ms, typing seen after ${typingMs} ms, message delivered in ${latencyMs} ms, reply in ${replyMs} ms, mention in the bell after ${mentionMs} ms; scenario ${since(start)} ms`,
    )
    expect(latencyMs).toBeLessThan(1_000)
    expect(replyMs).toBeLessThan(1_000)
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
    await alice.context.close()
  })
})
