import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's chromium (.ci/run installs it): playwright's own download cannot reach the internet here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (no cookies), English unless told otherwise. */
  context(options?: { locale?: string }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Chromium, headless. `chromium.launch` starts it on a fresh temporary profile (user data dir) of
 * its own, removed when it closes; every `context()` is a new, cookie-less browser context.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  return {
    browser,
    context: (options = {}) => browser.newContext({ locale: options.locale ?? 'en-GB' }),
    close: () => browser.close(),
  };
}

/** axe-core's serious and critical violations on the page (WCAG 2.1 A and AA rules), as readable lines. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Where the tests' screenshots go: docs/images/, committed and shown in the docs. */
export const SCREENSHOTS = resolve(__dirname, '../../docs/images');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
