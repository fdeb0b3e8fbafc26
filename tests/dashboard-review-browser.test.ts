import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from './support/api-world.ts';
import { mailboxTask } from './support/planner-fixtures.ts';
import { collectPageErrors, launchChromium, missingChromium, screenshot } from './support/chromium.ts';
import { CONFLICTED_TASK, DANA, GINA, GINA_MAILBOX, QUARANTINED_TASK, startDashboardWorld, type DashboardWorld } from './support/dashboard-world.ts';

const missing = missingChromium();
if (missing !== null) {
  console.warn(`Skipping the dashboard review browser tests: ${missing}`);
}

describe.skipIf(missing !== null)('dashboard review panels in headless Chromium', () => {
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

  async function signIn(context: BrowserContext, email: string): Promise<Page> {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    page.on('close', () => pageErrors.push(...errors));
    await page.goto(`${world.api.url}/`);
    await page.locator('#sign-in-form').waitFor();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in-as').waitFor();
    return page;
  }

  /** Wait until the session the last action forced has run (as the scheduler runs it) and ended ok. */
  async function forcedSessionRan(count: number): Promise<void> {
    await expect.poll(() => world.sessions.length).toBe(count);
    const report = await world.sessions[count - 1];
    expect(report?.status).toBe('ok');
  }

  it('restores an item and undoes a conflict', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, GINA);

    // The quarantine lists the task a session deleted from Salesforce, with where, why and the days left.
    const entry = page.locator('#quarantine tbody tr', { hasText: QUARANTINED_TASK });
    await entry.waitFor();
    expect(await entry.textContent()).toMatch(/Task.*Salesforce/);
    expect(await entry.locator('td.number').textContent()).toBe('30');
    expect(await page.locator('#held-deletions').textContent()).toContain('No deletions are held back');
    const conflict = page.locator('#conflict-ledger tbody tr', { hasText: CONFLICTED_TASK.crm });
    await conflict.getByRole('button', { name: /^Undo/ }).waitFor();
    expect(await page.locator('main').textContent()).not.toMatch(/\bnull\b|\bundefined\b|NaN/);
    await screenshot(page, 'dashboard-review');

    // Restore: the server records it and asks for a session, which makes the task again in Salesforce.
    expect((await world.salesforceTasks()).map((task) => task.Subject)).not.toContain(QUARANTINED_TASK);
    await entry.getByRole('button', { name: `Restore ${QUARANTINED_TASK}` }).click();
    await expect.poll(() => page.locator('#quarantine-status').textContent()).toContain('next session makes "Renew the licence" again in Salesforce');
    await forcedSessionRan(1);
    expect(world.forced).toEqual([GINA_MAILBOX]);
    expect((await world.salesforceTasks()).map((task) => task.Subject)).toContain(QUARANTINED_TASK);
    await expect.poll(() => entry.textContent(), { timeout: 15_000 }).toContain('Restored');

    // Undo: the next session writes the Salesforce value, which lost, back to both sides.
    await conflict.getByRole('button', { name: /^Undo/ }).click();
    await expect.poll(() => page.locator('#undo-status').textContent()).toContain('writes the Salesforce value of subject back to both sides');
    await forcedSessionRan(2);
    const mailboxTasks = world.tasks.get(GINA_MAILBOX)!.all().map((stored) => stored.item.subject);
    expect(mailboxTasks).toContain(CONFLICTED_TASK.crm);
    expect(mailboxTasks).not.toContain(CONFLICTED_TASK.mailbox);
    expect((await world.salesforceTasks()).map((task) => task.Subject)).toContain(CONFLICTED_TASK.crm);
    await expect.poll(() => conflict.last().textContent(), { timeout: 15_000 }).toContain('Undone');
    expect(await page.locator('#conflict-ledger tbody tr', { hasText: 'Undo of an earlier decision' }).count()).toBe(1);
    await screenshot(page, 'dashboard-review-done');

    await page.close();
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it('rejects held mass deletions', async () => {
    const tasks = world.tasks.get(GINA_MAILBOX)!;
    const subjects = ['One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight'];
    const ids = subjects.map((subject) => tasks.add(mailboxTask({ subject, status: 'notStarted', importance: 'normal' })));
    await world.syncTasks(GINA_MAILBOX);
    ids.forEach((id) => tasks.remove(id));
    expect((await world.syncTasks(GINA_MAILBOX)).status).toBe('needsReview');

    const context = await browser.newContext();
    const page = await signIn(context, GINA);
    const rows = page.locator('#held-deletions tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(subjects.length);
    expect(await rows.first().textContent()).toMatch(/Task.*Salesforce.*Waiting for a decision/);
    expect(await rows.locator('strong').allTextContents()).toEqual(expect.arrayContaining(subjects));
    await screenshot(page, 'dashboard-held-deletions');

    const before = world.sessions.length;
    await page.getByRole('button', { name: 'Reject: keep the items' }).click();
    await expect.poll(() => page.locator('#held-status').textContent()).toContain(`Rejected ${subjects.length} held deletions`);
    expect(await page.getByRole('button', { name: `Confirm ${subjects.length} deletions` }).isDisabled()).toBe(true);
    await forcedSessionRan(before + 1);
    expect(tasks.all().map((stored) => stored.item.subject)).toEqual(expect.arrayContaining(subjects));
    await expect.poll(() => page.locator('#held-deletions').textContent(), { timeout: 15_000 }).toContain('No deletions are held back.');

    await page.close();
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it('shows held deletions to admins only', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, DANA);
    await page.locator('#quarantine').getByText('Nothing deleted in the last days.').waitFor();
    expect(await page.locator('#held-deletions').count()).toBe(0);
    await page.close();
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
