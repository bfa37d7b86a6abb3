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

describe('jobs', () => {
  it('a scheduled email digest runs when due and its progress bar reaches 100%', async () => {
    const start = performance.now()
    const alice = await openAs(browser, inject('appUrl'), uniqueUser('alice'))
    await alice.page.goto('/jobs')
    const schedule = alice.page.getByRole('button', { name: 'Schedule digest' })
    await schedule.waitFor({ timeout: 30_000 })
    await alice.page.locator('input[type="number"]').fill('4')
    await alice.screenshot('jobs-1-schedule')
    const scheduledAt = performance.now()
    await schedule.click()

    const watched = alice.page.getByTestId('watched-job')
    const status = watched.getByTestId('watched-status')
    await status.waitFor({ timeout: 15_000 })
    // Scheduled 4 s ahead: it waits first (pending, due at a time), then runs.
    expect(await status.textContent()).toBe('pending')
    expect(await watched.textContent()).toContain('due')
    await alice.screenshot('jobs-2-pending')

    const bar = watched.locator('progress')
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('completed')
    const doneMs = since(scheduledAt)
    expect(await bar.getAttribute('value')).toBe('100')
    expect(await watched.textContent()).toContain('100%')
    // Not earlier than it was scheduled for.
    expect(doneMs).toBeGreaterThanOrEqual(4_000)
    await alice.screenshot('jobs-3-completed')

    // The job list shows it completed as well.
    const row = alice.page.getByTestId('job-list').locator('li', { hasText: 'send-email-digest' })
    await expect.poll(() => row.first().textContent(), { timeout: 15_000 }).toContain('completed')

    expect(alice.errors).toEqual([])
    console.log(
      `[e2e] jobs digest: completed ${doneMs} ms after scheduling (4 s delay); scenario ${since(start)} ms`,
    )
    await alice.context.close()
  })

  it('a job that fails every attempt is retried, then lands in the dead-letter queue', {
    timeout: 120_000,
  }, async () => {
    const start = performance.now()
    const bob = await openAs(browser, inject('appUrl'), uniqueUser('bob'))
    await bob.page.goto('/jobs')
    const run = bob.page.getByRole('button', { name: 'Run a failing job' })
    await run.waitFor({ timeout: 30_000 })
    await run.click()

    const watched = bob.page.getByTestId('watched-job')
    await expect
      .poll(() => watched.locator('h2').textContent(), { timeout: 15_000 })
      .toBe('Watching simulate')
    await expect
      .poll(() => watched.textContent(), { timeout: 30_000 })
      .toContain('Last error: The simulated upstream is down')
    await bob.screenshot('jobs-4-failing-retry')

    const dead = bob.page.getByTestId('dead-letters')
    await dead.waitFor({ timeout: 60_000 })
    const deadMs = since(start)
    expect(await dead.textContent()).toContain('simulate — The simulated upstream is down')
    await expect
      .poll(() => watched.getByTestId('watched-status').textContent(), { timeout: 15_000 })
      .toBe('failed')
    expect(await watched.textContent()).toContain('attempt 3/3')
    await bob.screenshot('jobs-5-dead-letter')

    expect(bob.errors).toEqual([])
    console.log(`[e2e] jobs dead-letter: in the DLQ after ${deadMs} ms (3 attempts, backoff 2 s + 8 s)`)
    await bob.context.close()
  })
})
