import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from './support/api-world.ts';
import { collectPageErrors, launchChromium, missingChromium, screenshot } from './support/chromium.ts';
import { ADDRESS, MAILBOX_ID, SETTINGS_ADMIN, SettingsWorld } from './support/settings-world.ts';

const missing = missingChromium();
if (missing !== null) {
  console.warn(`Skipping the settings browser tests: ${missing}`);
}

describe.skipIf(missing !== null)('settings editors in headless Chromium', () => {
  let world: SettingsWorld;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [world, browser] = await Promise.all([SettingsWorld.start(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function signIn(context: BrowserContext, email: string, address: string): Promise<Page> {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    page.on('close', () => pageErrors.push(...errors));
    await page.goto(`${world.url}${address}`);
    await page.locator('#sign-in-form').waitFor();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${world.url}${address}`);
    await page.locator('#signed-in-as').waitFor();
    return page;
  }

  it('an admin changes a pair direction, previews the dry run, saves, and the next forced session obeys', async () => {
    const eventId = await world.emulators.createOutlookEvent('Kickoff', 2);
    expect((await world.runSession()).status).toBe('ok');
    expect(await world.emulators.salesforceSubjects()).toContain('Kickoff');
    await world.emulators.touchOutlookEvent(eventId, 'Kickoff renamed');

    const context = await browser.newContext();
    const page = await signIn(context, SETTINGS_ADMIN, '/admin');
    const subject = page.locator('#direction-event-subject');
    await subject.waitFor();
    expect(await subject.inputValue()).toBe('both');

    // As saved: the renamed subject would go to Salesforce.
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await expect.poll(() => page.locator('#dry-run-result').textContent(), { timeout: 20_000 }).toContain('Kickoff renamed');
    expect(await page.locator('#dry-run-summary').textContent()).toContain('1 update');

    // With the draft: the subject flows from Salesforce only, so the rename stays in the mailbox.
    await subject.selectOption('crmToMailbox');
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await expect.poll(() => page.locator('#dry-run-summary').textContent(), { timeout: 20_000 }).toContain('No changes');
    expect(await page.locator('#dry-run-result').textContent()).not.toContain('Kickoff renamed');
    expect(await world.emulators.salesforceSubjects()).not.toContain('Kickoff renamed');
    expect(await world.engine.store.loadSettingsEdit('org-1', null)).toBeNull();
    await screenshot(page, 'settings-dry-run');

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('#editor-status').textContent()).toContain('Saved.');
    expect(await page.locator('#direction-event-subject').inputValue()).toBe('crmToMailbox');
    const stored = await world.engine.store.loadSettingsEdit('org-1', null);
    expect(stored?.changedBy).toBe(SETTINGS_ADMIN);
    expect(stored?.sections).toEqual({ mappings: { event: { pairs: [{ key: 'subject', direction: 'crmToMailbox' }] } } });
    expect(await page.locator('main').textContent()).not.toMatch(/\bundefined\b|NaN/);
    await screenshot(page, 'settings-saved');

    // The next forced session, from the mailbox's dashboard, obeys the saved direction.
    const sessionsBefore = world.reports.length;
    await page.goto(`${world.url}/?mailbox=${MAILBOX_ID}`);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => world.reports.length, { timeout: 20_000 }).toBe(sessionsBefore + 1);
    expect(world.reports.at(-1)?.status).toBe('ok');
    const subjects = await world.emulators.salesforceSubjects();
    expect(subjects).toContain('Kickoff');
    expect(subjects).not.toContain('Kickoff renamed');

    await page.close();
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it("a user edits the personal blocklist and a field's direction", async () => {
    const context = await browser.newContext();
    const page = await signIn(context, ADDRESS, '/');
    const blocklist = page.locator('#personal-blocklist');
    await blocklist.waitFor();
    await blocklist.fill('noise@vendor.example\n*.newsletters.example');
    await page.locator('#personal-event-location').selectOption('off');
    await page.getByRole('button', { name: 'Save my settings' }).click();
    await expect.poll(() => page.locator('#personal-status').textContent()).toContain('Saved.');
    expect(await page.locator('#personal-blocklist').inputValue()).toBe('noise@vendor.example\n*.newsletters.example');
    expect(await page.locator('#personal-event-location').inputValue()).toBe('off');

    const stored = await world.engine.store.loadSettingsEdit('org-1', MAILBOX_ID);
    expect(stored?.sections).toEqual({ mappings: { event: { location: 'off' } }, userBlocklist: ['noise@vendor.example', '*.newsletters.example'] });
    expect(stored?.changedBy).toBe(ADDRESS);
    await screenshot(page, 'settings-personal');

    await page.close();
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
