import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { defaultEventMapping } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { defaultSyncPolicy, planMailboxSession, type SyncPolicy } from '../src/sync/index.ts';
import type { UnsyncRule } from '../src/sync/unsync-rules.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';

const WINDOW = { start: '2026-10-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };
const OWNER = 'alex.morgan@contoso.example.com';
const SAM = 'sam.lee@fabrikam.example.com';

const RULES: UnsyncRule[] = [
  { name: 'lunches', subjectContains: 'lunch' },
  { name: 'long-past', olderThanDays: 14, subjectMatches: '^stand-?up' },
];
const WITH_RULES: Partial<SyncPolicy> = { unsync: RULES };

function attendee(address: string, response: 'accepted' | 'organizer' = 'accepted') {
  return { type: 'required' as const, status: { response, time: '2026-11-01T00:00:00Z' }, emailAddress: { name: address, address } };
}

let harness: E2eHarness;

beforeEach(async () => {
  harness = await E2eHarness.start({ window: WINDOW, mailboxAddress: OWNER });
  await harness.seedMailbox([
    timedSeed('Pipeline review', '2026-12-07', '10:00', '11:00'),
    timedSeed('Team lunch', '2026-12-08', '12:00', '13:00'),
    timedSeed('Standup', '2026-10-20', '09:00', '09:15'),
    // Alex organizes this one with a customer: removing it from Alex's calendar would cancel it for Sam.
    timedSeed('Lunch with Fabrikam', '2026-12-09', '12:00', '13:30', { attendees: [attendee(SAM)] }),
    // Sam organizes this one and Alex is invited: Alex's copy can go without touching Sam's meeting.
    timedSeed('Lunch and learn', '2026-12-10', '12:00', '13:00', {
      organizer: { emailAddress: { name: 'Sam Lee', address: SAM } },
      attendees: [attendee(OWNER), attendee('kim@fabrikam.example.com')],
    }),
  ]);
});

afterEach(async () => {
  await harness.close();
});

async function mailboxSubjects(): Promise<string[]> {
  return (await harness.mailboxInstances()).map((event) => event.subject).sort();
}

async function crmSubjects(): Promise<string[]> {
  return (await harness.crmEvents()).map((record) => record.Subject ?? '').sort();
}

function dryRun(policy: Partial<SyncPolicy>) {
  const { mailboxSource, crmSource } = harness.createSources();
  return planMailboxSession({
    mailbox: harness.mailbox,
    kinds: [{ mapping: defaultEventMapping, mailboxSource, crmSource, crmRecordUrl: (id) => crmSource.recordUrl(id) }],
    store: harness.store,
    policy: { ...defaultSyncPolicy, ...policy },
    window: WINDOW,
    logger: createSilentLogger(),
  });
}

async function sentMessages(): Promise<unknown[]> {
  const messages = (await harness.graphAdmin('GET', `/_admin/users/${encodeURIComponent(OWNER)}/messages`)) as unknown[] | { value: unknown[] };
  return Array.isArray(messages) ? messages : messages.value;
}

describe('un-sync rules against the Graph and Salesforce emulators', { timeout: 60_000 }, () => {
  it('shows the removals in a dry run and writes nothing', async () => {
    await harness.runSession();
    const before = await mailboxSubjects();

    const plan = await dryRun(WITH_RULES);
    const unsyncs = plan.actions.filter((action) => action.op === 'unsync');
    expect(unsyncs.map((action) => action.rule).sort()).toEqual(['long-past', 'lunches', 'lunches']);
    expect(unsyncs.every((action) => action.side === 'mailbox' && action.id !== null)).toBe(true);
    // Each removal names the meeting, so a person can tell which one a rule takes.
    expect(unsyncs.every((action) => typeof action.fields.subject === 'string' && action.fields.span !== undefined)).toBe(true);
    expect(plan.actions.filter((action) => action.side === 'crm')).toEqual([]);
    expect(plan.notes.join('\n')).toContain("Un-sync rule 'lunches' matches 1 meetings this mailbox organizes");
    expect(plan.notes.join('\n')).toContain('the un-sync rules changed');

    expect(await mailboxSubjects()).toEqual(before);
  });

  it('removes from the mailbox only, for good', async () => {
    const first = await harness.runSession();
    expect(first.writes.crm.created).toBe(5);
    await harness.insertCrmEvents([{ Subject: 'Lunch booked in Salesforce', StartDateTime: '2026-12-11T11:00:00.000Z', EndDateTime: '2026-12-11T12:00:00.000Z' }]);

    await harness.graphAdmin('POST', '/_admin/stats/reset');
    const unsynced = await harness.runSession({ policy: WITH_RULES });
    expect(unsynced.status).toBe('ok');
    expect(unsynced.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 3 });
    expect(unsynced.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(unsynced.notes).toContain("Un-synced 3 calendar events: removed from the mailbox and kept in Salesforce (by rule: 'long-past' 1, 'lunches' 2)");
    expect(unsynced.notes.join('\n')).toContain('Un-sync rules kept 0 mailbox events out of Salesforce and 1 Salesforce Events out of the mailbox');

    // The organizer's meeting stays, so no cancellation can reach Sam; nothing was sent from the mailbox either.
    expect(await mailboxSubjects()).toEqual(['Lunch with Fabrikam', 'Pipeline review']);
    expect(await sentMessages()).toEqual([]);
    const stats = (await harness.graphAdmin('GET', '/_admin/stats')) as { byRoute: Record<string, number>; innerByRoute: Record<string, number> };
    const routes = { ...stats.byRoute, ...stats.innerByRoute };
    expect(Object.keys(routes).filter((route) => /cancel|decline|sendMail/i.test(route))).toEqual([]);
    expect(Object.entries(routes).filter(([route]) => route.startsWith('DELETE ')).reduce((sum, [, count]) => sum + count, 0)).toBe(3);
    expect(await crmSubjects()).toEqual(['Lunch and learn', 'Lunch booked in Salesforce', 'Lunch with Fabrikam', 'Pipeline review', 'Standup', 'Team lunch']);

    // An edit in Salesforce of an un-synced event does not bring it back, and the following sessions write nothing.
    const teamLunch = (await harness.crmEvents()).find((record) => record.Subject === 'Team lunch')!;
    const { crmSource } = harness.createSources();
    await crmSource.applyWrites([{ op: 'update', ref: 'edit', id: teamLunch.Id, patch: { Location: 'Canteen' }, expectedVersion: null }]);
    for (let session = 0; session < 2; session += 1) {
      const later = await harness.runSession({ policy: WITH_RULES });
      expect(later.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect(later.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    }
    expect(await mailboxSubjects()).toEqual(['Lunch with Fabrikam', 'Pipeline review']);

    // Removing the rules later brings nothing back by itself, and the kept Salesforce Events stay.
    const withoutRules = await harness.runSession();
    expect(withoutRules.writes.mailbox).toEqual({ created: 1, updated: 0, deleted: 0 });
    expect(await mailboxSubjects()).toEqual(['Lunch booked in Salesforce', 'Lunch with Fabrikam', 'Pipeline review']);
    expect((await crmSubjects()).length).toBe(6);
  });

  it('brings one un-synced event back from the quarantine once its rule is gone', async () => {
    await harness.runSession();
    await harness.runSession({ policy: WITH_RULES });
    const entries = await harness.store.listQuarantine(harness.mailbox.id);
    expect(entries.map((entry) => entry.side)).toEqual(['mailbox', 'mailbox', 'mailbox']);
    const teamLunch = entries.find((entry) => entry.values.subject === 'Team lunch')!;
    expect(teamLunch.reason).toContain("un-sync rule 'lunches'");

    await harness.store.requestQuarantineRestore(teamLunch.id, new Date().toISOString());
    const restored = await harness.runSession();
    expect(restored.writes.mailbox).toEqual({ created: 1, updated: 0, deleted: 0 });
    expect(restored.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await mailboxSubjects()).toEqual(['Lunch with Fabrikam', 'Pipeline review', 'Team lunch']);

    // The pair is live again: a Salesforce edit reaches the mailbox copy.
    const record = (await harness.crmEvents()).find((entry) => entry.Subject === 'Team lunch')!;
    const { crmSource } = harness.createSources();
    await crmSource.applyWrites([{ op: 'update', ref: 'edit', id: record.Id, patch: { Location: 'Canteen' }, expectedVersion: null }]);
    const edited = await harness.runSession();
    expect(edited.writes.mailbox.updated).toBe(1);
    expect((await harness.crmEvents()).filter((entry) => entry.Subject === 'Team lunch')).toHaveLength(1);
  });

  it('holds back a rule that would empty the calendar until an admin confirms', async () => {
    await harness.seedMailbox(Array.from({ length: 8 }, (_, index) => timedSeed(`Lunch ${index + 1}`, '2026-12-15', '12:00', '13:00')));
    await harness.runSession();

    const held = await harness.runSession({ policy: WITH_RULES });
    expect(held.status).toBe('needsReview');
    expect(held.writes.mailbox.deleted).toBe(0);
    expect(held.notes.join('\n')).toMatch(/Held back 11 deletions in the mailbox \(11 of them by un-sync rules\)/);

    const heldDeletions = await harness.store.listHeldDeletions(harness.mailbox.id);
    expect(heldDeletions).toHaveLength(11);
    expect(heldDeletions.every((deletion) => deletion.side === 'mailbox')).toBe(true);
    expect(await harness.store.decideHeldDeletions(harness.mailbox.id, 'confirm')).toBe(11);
    const confirmed = await harness.runSession({ policy: WITH_RULES });
    expect(confirmed.writes.mailbox.deleted).toBe(11);
    expect(await mailboxSubjects()).toEqual(['Lunch with Fabrikam', 'Pipeline review']);
    expect((await crmSubjects()).length).toBe(13);
  });
});
