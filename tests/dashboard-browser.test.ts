import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from './support/api-world.ts';
import { collectPageErrors, launchChromium, missingChromium, screenshot } from './support/chromium.ts';
import { ADMIN, DAILY_API_LIMIT, DANA, DANA_MAILBOX, EXPLAINED_CONTACT, startDashboardWorld, type DashboardWorld } from './support/dashboard-world.ts';

const missing = missingChromium();
if (missing !== null) {
  console.warn(`Skipping the dashboard browser tests: ${missing}`);
}

describe.skipIf(missing !== null)('dashboard in headless Chromium', () => {
  let world: DashboardWorld;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [world, browser] = await Promise.all([startDashboardWorld(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function signIn(context: BrowserContext, email: string, address = '/'): Promise<Page> {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    page.on('close', () => pageErrors.push(...errors));
    await page.goto(`${world.api.url}${address}`);
    // Without a session the page's address shows the sign-in form, and loads the same address after sign-in.
    await page.locator('#sign-in-form').waitFor();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${world.api.url}${address}`);
    await page.locator('#signed-in-as').waitFor();
    return page;
  }

  it('user dashboard: state, sync, errors, suspend', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, DANA);

    const state = page.locator('#mailbox-state');
    await expect.poll(() => state.locator('[data-testid="state-badge"]').textContent()).toBe('Active');
    expect(await page.locator('#signed-in-as').textContent()).toContain(DANA);
    expect(await page.locator('#console-link').count()).toBe(0);
    expect(await page.locator('#last-session').textContent()).toContain('partial');
    expect(await page.locator('#session-history tbody tr').count()).toBe(3);
    expect(await page.locator('main').textContent()).not.toMatch(/\bnull\b|\bundefined\b|NaN/);

    // The item error of the last session links to the record in Salesforce.
    const errorItem = page.locator('#item-errors li.item-error');
    expect(await errorItem.textContent()).toContain('Customer meetings need an account');
    const link = errorItem.getByRole('link', { name: 'Open the record in Salesforce' });
    expect(await link.getAttribute('href')).toBe(world.recordUrl);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');

    // The conflict ledger and the explanation of a link.
    expect(await page.locator('#conflict-ledger tbody tr').textContent()).toMatch(/location.*Room 2.*Room 3.*Mailbox/);
    await page.getByLabel('Salesforce record id').fill(EXPLAINED_CONTACT);
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => page.locator('#explain-result').textContent()).toContain('kim@customer.example');
    expect(await page.locator('#explain-result').textContent()).not.toContain('Globex');
    await screenshot(page, 'dashboard-user');

    // Force a sync: the server requests a session from the scheduler, and the page shows it once it is recorded.
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.locator('#action-status').textContent(), { timeout: 15_000 }).toContain('The session finished: ok');
    expect(world.forced).toEqual([DANA_MAILBOX]);
    expect(await page.locator('#session-history tbody tr').count()).toBe(4);
    expect(await page.locator('#item-errors').textContent()).toContain('every item synced');

    // Suspend with a reason, then resume.
    await page.getByLabel('Reason for suspending').fill('On holiday until Monday');
    await page.getByRole('button', { name: 'Suspend' }).click();
    await expect.poll(() => state.locator('[data-testid="state-badge"]').textContent()).toBe('Suspended by a person');
    expect(await page.locator('#state-reason').textContent()).toBe('On holiday until Monday');
    expect(await page.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
    expect((await world.api.store.loadSchedule(DANA_MAILBOX))?.state).toBe('suspendedByUser');
    await screenshot(page, 'dashboard-suspended');

    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => state.locator('[data-testid="state-badge"]').textContent()).toBe('Active');
    expect((await world.api.store.loadSchedule(DANA_MAILBOX))?.state).toBe('active');

    // A user who opens the console is sent back to the dashboard.
    await page.goto(`${world.api.url}/admin`);
    await page.waitForURL(`${world.api.url}/`);

    await page.close();
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it('admin console: mailboxes, settings, API chart', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, ADMIN, '/admin');
    expect(await page.getByRole('link', { name: 'Admin console' }).getAttribute('href')).toBe('/admin');

    const rows = page.locator('#org-mailboxes tbody tr');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-mailbox-id')))).toEqual(['mbx-dana', 'mbx-eli']);
    expect(await page.locator('#org-settings').textContent()).toContain('mailboxWins');
    expect(await page.locator('#org-settings').textContent()).not.toContain('sf-secret');

    await page.locator('#usage-summary').waitFor();
    expect(await page.locator('#usage-summary').textContent()).toContain(`of its ${DAILY_API_LIMIT.toLocaleString('en-US')} daily API requests`);
    const bars = page.locator('[data-testid="usage-chart"] rect.bar');
    expect(await bars.count()).toBe(24);
    const calls = await bars.evaluateAll((elements) => elements.map((element) => Number(element.getAttribute('data-calls'))));
    expect(calls.reduce((sum, value) => sum + value, 0)).toBeGreaterThanOrEqual(25);
    expect(await page.locator('[data-testid="usage-meter"]').count()).toBe(1);
    expect(await page.locator('main').textContent()).not.toMatch(/\bnull\b|\bundefined\b|NaN/);
    await screenshot(page, 'admin-console');

    // The admin opens a mailbox of the org from the console.
    await page.getByRole('link', { name: DANA }).click();
    await page.waitForURL(/\?mailbox=mbx-dana$/);
    await page.locator('#mailbox-state [data-testid="state-badge"]').waitFor();
    expect(await page.locator('#mailbox-picker').inputValue()).toBe(DANA_MAILBOX);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in$/);
    await screenshot(page, 'signed-out');
    await page.close();
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
