import { existsSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Headless Chromium for the browser tests: Debian's `chromium` package, driven through playwright-core.
 * scripts/install-chromium.sh installs it; SYNCLINE_CHROMIUM names another binary.
 */
export const CHROMIUM_BINARY = process.env.SYNCLINE_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots go here (git-ignored), for CI to keep as artifacts. */
export const ARTIFACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

/** Why the browser tests cannot run here, or null when Chromium is installed. */
export function missingChromium(): string | null {
  return existsSync(CHROMIUM_BINARY) ? null : `${CHROMIUM_BINARY} not installed: run scripts/install-chromium.sh (Debian package chromium) to run the browser tests`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_BINARY, headless: true, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Collect every console error and uncaught exception of a page, with the page's address at the time. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(`${page.url()}: console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught: ${error.message}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}
