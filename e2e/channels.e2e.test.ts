import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launch, openAs, since, type UserPage, uniqueUser } from './browser'

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

/** Stops or starts the realtime stub (through global-setup's control server); resolves when done. */
async function realtimeStub(action: 'stop' | 'start'): Promise<void> {
  const res = await fetch(`${inject('stubControlUrl')}/realtime/${action}`, { method: 'POST' })
  if (res.status !== 204) throw new Error(`realtime ${action}: ${res.status} ${await res.text()}`)
}

/**
 * Resolves (in the page) with `Date.now()` once every one of `texts` is in the message list and
 * marked sent, or with `null` after `timeoutMs`.
 */
function deliveredAt(page: Page, texts: string[], timeoutMs: number): Promise<number | null> {
  return page.evaluate(
    ([wanted, ms]) =>
      new Promise<number | null>((resolve) => {
        const done = () => {
          const sent = new Set(
            [...document.querySelectorAll('ol[aria-label="Messages"] li[data-status="sent"] p')].map(
              (p) => p.textContent,
            ),
          )
          return wanted.every((t) => sent.has(t))
        }
        if (done()) return resolve(Date.now())
        const observer = new MutationObserver(() => {
          if (!done()) return
          finish(Date.now())
        })
        const timer = setTimeout(() => finish(null), ms)
        const finish = (at: number | null) => {
          observer.disconnect()
          clearTimeout(timer)
          resolve(at)
        }
        observer.observe(document.body, {
          childList: true,
          subtree: true,
          characterData: true,
          attributes: true,
          attributeFilter: ['data-status'],
        })
      }),
    [texts, timeoutMs] as const,
  )
}

/** `[text, data-status]` of every list item whose text is one of `texts`, in list order. */
function listed(page: Page, texts: string[]): Promise<Array<[string, string]>> {
  return page.evaluate(
    (wanted) =>
      [...document.querySelectorAll('ol[aria-label="Messages"] li')].flatMap((li) => {
        const text = li.querySelector('p')?.textContent ?? ''
        return wanted.includes(text) ? [[text, li.getAttribute('data-status') ?? '']] : []
      }) as Array<[string, string]>,
    texts,
  )
}

/** Errors other than the browser failing to reach the realtime stub while it is down. */
function unexpectedErrors(user: UserPage): string[] {
  const { host } = new URL(inject('stubUrls').realtime)
  return user.errors.filter((e) => !(e.includes(host) && e.includes('net::ERR_CONNECTION_REFUSED')))
}

/** Alice and Bob, each signed in in a browser context of their own. */
async function twoUsers() {
  const appUrl = inject('appUrl')
  const aliceId = uniqueUser('alice')
  const bobId = uniqueUser('bob')
  return {
    aliceId,
    bobId,
    alice: await openAs(browser, appUrl, aliceId),
    bob: await openAs(browser, appUrl, bobId),
  }
}

describe('channels (realtime)', () => {
  it('two users see each other come online, type and send; a message arrives within 1 s', async () => {
    const start = performance.now()
    const { alice, aliceId, bob, bobId } = await twoUsers()

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

  it('the realtime stub restarts mid-conversation: the banner shows reconnecting, nothing is lost', async () => {
    const start = performance.now()
    const { alice, aliceId, bob, bobId } = await twoUsers()
    try {
      await alice.page.goto('/channels')
      await bob.page.goto('/channels')
      await member(alice.page, bobId, 'online').waitFor({ timeout: 30_000 })
      await member(bob.page, aliceId, 'online').waitFor({ timeout: 30_000 })
      await alice.screenshot('channels-restart-1-online')

      // The stub goes away: both pages say they are reconnecting.
      const stoppedAt = performance.now()
      await realtimeStub('stop')
      const stopMs = since(stoppedAt)
      const aliceBanner = alice.page.getByRole('status')
      const bobBanner = bob.page.getByRole('status')
      for (const banner of [aliceBanner, bobBanner]) {
        await expect.poll(() => banner.getAttribute('data-status'), { timeout: 15_000 }).toBe('reconnecting')
        expect(await banner.textContent()).toMatch(/^Reconnecting/)
      }
      const bannerMs = since(stoppedAt)
      await bob.screenshot('channels-restart-2-bob-reconnecting')

      // Both write while it is down: the messages wait in their outboxes.
      const tag = Date.now().toString(36)
      const aliceTexts = [
        `first from ${aliceId} while down ${tag}`,
        `second from ${aliceId} while down ${tag}`,
      ]
      const bobText = `only from ${bobId} while down ${tag}`
      const all = [...aliceTexts, bobText]
      const aliceInput = alice.page.getByRole('textbox', { name: 'Message #general' })
      for (const text of aliceTexts) {
        await aliceInput.fill(text)
        await aliceInput.press('Enter')
      }
      await expect.poll(() => aliceBanner.textContent(), { timeout: 5_000 }).toContain('2 messages waiting')
      expect(await listed(alice.page, aliceTexts)).toEqual(aliceTexts.map((t) => [t, 'pending']))
      await alice.screenshot('channels-restart-3-alice-waiting')
      const bobInput = bob.page.getByRole('textbox', { name: 'Message #general' })
      await bobInput.fill(bobText)
      await bobInput.press('Enter')
      await expect.poll(() => bobBanner.textContent(), { timeout: 5_000 }).toContain('1 message waiting')
      await bob.screenshot('channels-restart-4-bob-waiting')

      // The stub is back (same port, empty memory): within 15 s both banners are gone and both
      // pages hold all three messages, each once, sent, alice's in the order she wrote them.
      const recoveryMs = 15_000
      const restartedAt = performance.now()
      const restartedAtMs = Date.now()
      await realtimeStub('start')
      // `null`: still there when the 15 s are up.
      const goneAfter = (banner: typeof aliceBanner) =>
        banner.waitFor({ state: 'detached', timeout: recoveryMs - since(restartedAt) }).then(
          () => since(restartedAt),
          () => null,
        )
      const [aliceAt, bobAt, aliceBannerMs, bobBannerMs] = await Promise.all([
        deliveredAt(alice.page, all, recoveryMs - since(restartedAt)),
        deliveredAt(bob.page, all, recoveryMs - since(restartedAt)),
        goneAfter(aliceBanner),
        goneAfter(bobBanner),
      ])
      await alice.screenshot('channels-restart-5-alice-recovered')
      await bob.screenshot('channels-restart-6-bob-recovered')
      const aliceList = await listed(alice.page, all)
      const bobList = await listed(bob.page, all)
      const aliceMs = aliceAt === null ? null : aliceAt - restartedAtMs
      const bobMs = bobAt === null ? null : bobAt - restartedAtMs
      const refused = [...alice.errors, ...bob.errors].length - [alice, bob].flatMap(unexpectedErrors).length
      console.log(
        `[e2e] channels restart: stub stopped in ${stopMs} ms, both banners reconnecting after ${bannerMs} ms; recovery (stub start → all three messages sent on both pages) ${aliceMs === null || bobMs === null ? `over ${recoveryMs}` : Math.max(aliceMs, bobMs)} ms (alice's page ${aliceMs}, bob's ${bobMs}; null: not within ${recoveryMs} ms), banners gone after ${aliceBannerMs} / ${bobBannerMs} ms; ${refused} connection-refused errors while down; scenario ${since(start)} ms`,
      )
      for (const [page, list] of [
        ['alice', aliceList],
        ['bob', bobList],
      ] as const) {
        // Each message once, sent, alice's two in the order she wrote them.
        expect({ page, alice: list.filter(([t]) => t !== bobText) }).toEqual({
          page,
          alice: aliceTexts.map((t) => [t, 'sent']),
        })
        expect({ page, bob: list.filter(([t]) => t === bobText) }).toEqual({
          page,
          bob: [[bobText, 'sent']],
        })
      }
      expect({ aliceMs, bobMs }).toEqual({ aliceMs: expect.any(Number), bobMs: expect.any(Number) })
      expect(Math.max(aliceMs ?? Infinity, bobMs ?? Infinity)).toBeLessThan(recoveryMs)
      expect({ aliceBannerMs, bobBannerMs }).toEqual({
        aliceBannerMs: expect.any(Number),
        bobBannerMs: expect.any(Number),
      })
      expect(unexpectedErrors(alice)).toEqual([])
      expect(unexpectedErrors(bob)).toEqual([])
    } finally {
      // Whatever happened above, the next tests get a running stub.
      await realtimeStub('start')
      await Promise.all([alice.context.close(), bob.context.close()])
    }
  }, 90_000)
})
