// Headless Chromium from Debian's package, driven by playwright-core (no browser download).
// Every page records its console errors and uncaught exceptions; a test fails on any.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts', 'e2e')
mkdirSync(ARTIFACTS, { recursive: true })

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** A signed-in user in their own browser context (own cookies and storage). */
export interface UserPage {
  context: BrowserContext
  page: Page
  /** Console errors and page errors seen so far. */
  errors: string[]
  screenshot(name: string): Promise<string>
}

export async function openAs(
  browser: Browser,
  appUrl: string,
  userId: string,
  width = 1200,
): Promise<UserPage> {
  const context = await browser.newContext({ baseURL: appUrl, viewport: { width, height: 900 } })
  await context.addCookies([{ name: 'nself_dev_user', value: userId, url: appUrl }])
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`)
  })
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  // A script that opens a dialog (alert(1) from injected markup, say) is an error too.
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.type()} ${dialog.message()}`)
    void dialog.dismiss()
  })
  return {
    context,
    page,
    errors,
    async screenshot(name) {
      const path = join(ARTIFACTS, `${name}.png`)
      await page.screenshot({ path, fullPage: true })
      return path
    },
  }
}

/** A user id no other test (or earlier run against the same stubs) uses. */
export function uniqueUser(name: string): string {
  return `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
}

/** Milliseconds since `start`, rounded. */
export function since(start: number): number {
  return Math.round(performance.now() - start)
}
