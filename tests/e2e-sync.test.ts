import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { CrmEventSource, MailboxEventSource } from '../src/domain/connector.ts';
import { E2eHarness, NO_EVENT_WRITES } from './support/e2e-harness.ts';
import { allDaySeed, timedSeed } from './support/graph-seeds.ts';

const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };

let harness: E2eHarness;

beforeEach(async () => {
  harness = await E2eHarness.start({ window: WINDOW });
  await harness.seedMailbox([
    timedSeed('Pipeline review', '2026-12-07', '10:00', '11:00'),
    timedSeed('Customer call', '2026-12-08', '15:00', '15:30', { location: { displayName: 'Teams' } }),
    allDaySeed('Trade fair', '2026-12-14', '2026-12-17'),
  ]);
  await harness.insertCrmEvents([
    { Subject: 'Planned in Salesforce', StartDateTime: '2026-12-09T08:00:00.000Z', EndDateTime: '2026-12-09T09:00:00.000Z', Location: 'HQ' },
  ]);
});

afterEach(async () => {
  await harness.close();
});

async function mailboxItem(subject: string): Promise<{ id: string; version: string; item: CalendarEvent }> {
  const { mailboxSource } = harness.createSources();
  const pulled = await mailboxSource.pullChanges(null, WINDOW);
  const change = pulled.changes.find((entry) => entry.kind === 'upsert' && entry.item.subject === subject);
  if (!change || change.kind !== 'upsert') {
    throw new Error(`No mailbox event with subject ${subject}`);
  }
  return { id: change.id, version: change.version, item: change.item };
}

async function crmEvent(subject: string) {
  const found = (await harness.crmEvents()).find((record) => record.Subject === subject);
  if (!found) {
    throw new Error(`No Salesforce Event with subject ${subject}`);
  }
  return found;
}

async function editMailbox(subject: string, patch: Partial<CalendarEvent>): Promise<void> {
  const { mailboxSource } = harness.createSources();
  const target = await mailboxItem(subject);
  const [result] = await mailboxSource.applyWrites([{ op: 'update', ref: 'edit', id: target.id, patch, expectedVersion: target.version }]);
  expect(result?.ok).toBe(true);
}

async function editCrm(subject: string, patch: Record<string, unknown>): Promise<void> {
  const { crmSource } = harness.createSources();
  const target = await crmEvent(subject);
  const [result] = await crmSource.applyWrites([{ op: 'update', ref: 'edit', id: target.Id, patch, expectedVersion: null }]);
  expect(result?.ok).toBe(true);
}

describe('first sessions', () => {
  it('mirrors both calendars', async () => {
    const report = await harness.runSession();
    expect(report.status).toBe('ok');
    expect(report.writes.crm.created).toBe(3);
    expect(report.writes.mailbox.created).toBe(1);
    expect(report.writes.byObject).toEqual({
      Event: { created: 4, updated: 0, deleted: 0, mailbox: { created: 1, updated: 0, deleted: 0 }, crm: { created: 3, updated: 0, deleted: 0 } },
    });

    const crm = await harness.crmEvents();
    expect(crm.map((record) => record.Subject).sort()).toEqual(['Customer call', 'Pipeline review', 'Planned in Salesforce', 'Trade fair']);
    const pipeline = await crmEvent('Pipeline review');
    expect(pipeline.StartDateTime).toMatch(/^2026-12-07T09:00:00\.000\+0000$/);
    expect(pipeline.EndDateTime).toMatch(/^2026-12-07T10:00:00\.000\+0000$/);
    const fair = await crmEvent('Trade fair');
    expect(fair.IsAllDayEvent).toBe(true);
    expect(fair.ActivityDate).toBe('2026-12-14');
    expect(fair.DurationInMinutes).toBe(3 * 1440);

    const planned = await mailboxItem('Planned in Salesforce');
    expect(planned.item.span).toMatchObject({ kind: 'timed', start: '2026-12-09T08:00:00.000Z', end: '2026-12-09T09:00:00.000Z' });
    expect(planned.item.location).toBe('HQ');
  });

  it('writes nothing on a second session without changes', async () => {
    await harness.runSession();
    const second = await harness.runSession();
    expect(second.status).toBe('ok');
    expect(second.writes).toEqual(NO_EVENT_WRITES);
    const third = await harness.runSession();
    expect(third.writes).toEqual(second.writes);
  });

  it('costs one Salesforce write call for the first sync', async () => {
    const report = await harness.runSession();
    // Token and owner look-ups aside: describe, one composite pull, one composite write.
    expect(report.apiCalls.crm).toBeLessThanOrEqual(5);
  });
});

describe('edits', () => {
  beforeEach(async () => {
    await harness.runSession();
  });

  it('carries a mailbox edit to Salesforce', async () => {
    await editMailbox('Pipeline review', { location: 'Room 12' });
    const report = await harness.runSession();
    expect(report.writes.crm.updated).toBe(1);
    expect((await crmEvent('Pipeline review')).Location).toBe('Room 12');
  });

  it('carries a Salesforce edit to the mailbox', async () => {
    await editCrm('Customer call', { Description: 'Bring the price list' });
    const report = await harness.runSession();
    expect(report.writes.mailbox.updated).toBe(1);
    expect((await mailboxItem('Customer call')).item.body).toBe('Bring the price list');
  });

  it('merges edits of different fields', async () => {
    await editMailbox('Pipeline review', { location: 'Room 12' });
    await editCrm('Pipeline review', { Description: 'Forecast first' });
    await harness.runSession();
    const record = await crmEvent('Pipeline review');
    const item = (await mailboxItem('Pipeline review')).item;
    expect(record.Location).toBe('Room 12');
    expect(record.Description).toBe('Forecast first');
    expect(item.location).toBe('Room 12');
    expect(item.body).toBe('Forecast first');
  });

  it('lets the later edit of one field win', async () => {
    await editMailbox('Customer call', { location: 'From Outlook' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await editCrm('Customer call', { Location: 'From Salesforce' });
    const report = await harness.runSession();
    expect(report.conflicts).toBe(1);
    expect((await crmEvent('Customer call')).Location).toBe('From Salesforce');
    expect((await mailboxItem('Customer call')).item.location).toBe('From Salesforce');
  });

  it('follows the mailbox-wins policy', async () => {
    await editMailbox('Customer call', { location: 'From Outlook' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await editCrm('Customer call', { Location: 'From Salesforce' });
    await harness.runSession({ policy: { conflict: 'mailboxWins' } });
    expect((await crmEvent('Customer call')).Location).toBe('From Outlook');
    expect((await mailboxItem('Customer call')).item.location).toBe('From Outlook');
  });

  it('deletes the Salesforce Event of a deleted meeting', async () => {
    const { mailboxSource } = harness.createSources();
    const target = await mailboxItem('Customer call');
    await mailboxSource.applyWrites([{ op: 'delete', ref: 'delete', id: target.id }]);
    const report = await harness.runSession();
    expect(report.writes.crm.deleted).toBe(1);
    expect((await harness.crmEvents()).map((record) => record.Subject)).not.toContain('Customer call');
  });

  it('removes the copy of a Salesforce-deleted Event', async () => {
    const { crmSource } = harness.createSources();
    const target = await crmEvent('Planned in Salesforce');
    await crmSource.applyWrites([{ op: 'delete', ref: 'delete', id: target.Id }]);
    const report = await harness.runSession();
    expect(report.writes.mailbox.deleted).toBe(1);
    expect((await harness.mailboxInstances()).map((item) => item.subject)).not.toContain('Planned in Salesforce');
  });
});

class SimulatedCrash extends Error {}

/** Wrap a side so the process "dies" right after its writes reached the service. */
function crashAfterWrites<T extends MailboxEventSource | CrmEventSource>(source: T): T {
  return new Proxy(source, {
    get(target, property, receiver) {
      if (property === 'applyWrites') {
        return async (...args: Parameters<T['applyWrites']>) => {
          await (target.applyWrites as (...inner: unknown[]) => Promise<unknown>)(...args);
          throw new SimulatedCrash('crash after writes');
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

describe('crash repair', () => {
  it.each(['after Salesforce writes', 'after mailbox writes', 'at the store commit'] as const)('duplicates nothing when crashing %s', async (where) => {
    const report = await harness.runSession({
      wrapCrm: where === 'after Salesforce writes' ? crashAfterWrites : undefined,
      wrapMailbox: where === 'after mailbox writes' ? crashAfterWrites : undefined,
      wrapStore:
        where === 'at the store commit'
          ? (store) =>
              new Proxy(store, {
                get(target, property, receiver) {
                  if (property === 'commitSession') {
                    return async () => {
                      throw new SimulatedCrash('crash before commit');
                    };
                  }
                  return Reflect.get(target, property, receiver);
                },
              })
          : undefined,
    });
    expect(report.status).toBe('failed');

    const repaired = await harness.runSession();
    expect(repaired.status).toBe('ok');
    const crm = (await harness.crmEvents()).map((record) => record.Subject).sort();
    const mailbox = (await harness.mailboxInstances()).map((item) => item.subject).sort();
    expect(crm).toEqual(['Customer call', 'Pipeline review', 'Planned in Salesforce', 'Trade fair']);
    expect(mailbox).toEqual(crm);

    const quiet = await harness.runSession();
    expect(quiet.writes).toEqual(NO_EVENT_WRITES);
  });
});

describe('crash, then the source goes', () => {
  it('deletes the Salesforce copy of a deleted meeting', async () => {
    await harness.runSession({ wrapCrm: crashAfterWrites });
    const { mailboxSource } = harness.createSources();
    await mailboxSource.applyWrites([{ op: 'delete', ref: 'delete', id: (await mailboxItem('Customer call')).id }]);

    const repaired = await harness.runSession();
    expect(repaired.status).toBe('ok');
    expect((await harness.crmEvents()).map((record) => record.Subject).sort()).toEqual(['Pipeline review', 'Planned in Salesforce', 'Trade fair']);
    expect((await harness.mailboxInstances()).map((item) => item.subject).sort()).toEqual(['Pipeline review', 'Planned in Salesforce', 'Trade fair']);
    const quiet = await harness.runSession();
    expect(quiet.writes).toEqual(NO_EVENT_WRITES);
  });

  it('deletes the mailbox copy of a deleted Salesforce Event', async () => {
    await harness.runSession({ wrapMailbox: crashAfterWrites });
    const { crmSource } = harness.createSources();
    await crmSource.applyWrites([{ op: 'delete', ref: 'delete', id: (await crmEvent('Planned in Salesforce')).Id }]);

    const repaired = await harness.runSession();
    expect(repaired.status).toBe('ok');
    expect((await harness.mailboxInstances()).map((item) => item.subject).sort()).toEqual(['Customer call', 'Pipeline review', 'Trade fair']);
    expect((await harness.crmEvents()).map((record) => record.Subject).sort()).toEqual(['Customer call', 'Pipeline review', 'Trade fair']);
  });
});

describe('edits during a session', () => {
  it('merges a Salesforce edit made between pull and write', async () => {
    await harness.runSession();
    await editMailbox('Pipeline review', { location: 'Room 12' });

    // A Salesforce user saves the record after the session's pull, just before the session reads the record
    // back to check it before writing.
    let edited = false;
    const editDuringWrite = (source: CrmEventSource): CrmEventSource =>
      new Proxy(source, {
        get(target, property, receiver) {
          if (property === 'readItems') {
            return async (...args: Parameters<CrmEventSource['readItems']>) => {
              if (!edited) {
                edited = true;
                await editCrm('Pipeline review', { Description: 'Edited in Salesforce meanwhile' });
              }
              return target.readItems(...args);
            };
          }
          return Reflect.get(target, property, receiver);
        },
      });
    const racing = await harness.runSession({ wrapCrm: editDuringWrite });
    expect(racing.itemErrors.map((itemError) => itemError.code)).toEqual(['CHANGED_DURING_SESSION']);

    const next = await harness.runSession();
    expect(next.status).toBe('ok');
    const record = await crmEvent('Pipeline review');
    const item = (await mailboxItem('Pipeline review')).item;
    expect(record.Location).toBe('Room 12');
    expect(record.Description).toBe('Edited in Salesforce meanwhile');
    expect(item.location).toBe('Room 12');
    expect(item.body).toBe('Edited in Salesforce meanwhile');
  });
});

describe('concurrent sessions', () => {
  it('runs one session of a mailbox at a time', async () => {
    const reports = await Promise.all([harness.runSession(), harness.runSession()]);
    expect(reports.map((report) => report.status).sort()).toEqual(['ok', 'skipped']);

    const after = await harness.runSession();
    expect(after.status).toBe('ok');
    expect(after.writes).toEqual(NO_EVENT_WRITES);
    expect((await harness.crmEvents()).map((record) => record.Subject).sort()).toEqual(['Customer call', 'Pipeline review', 'Planned in Salesforce', 'Trade fair']);
  });
});

describe('sliding window', () => {
  it('picks up events that enter a moved window', async () => {
    await harness.runSession();
    await harness.seedMailbox([timedSeed('Next spring offsite', '2027-05-20', '09:00', '17:00')]);
    await harness.insertCrmEvents([{ Subject: 'Budget kick-off', StartDateTime: '2027-05-21T08:00:00.000Z', EndDateTime: '2027-05-21T09:00:00.000Z' }]);
    const unchanged = await harness.runSession();
    expect(unchanged.writes.crm.created).toBe(0);
    expect(unchanged.writes.mailbox.created).toBe(0);

    const moved = await harness.runSession({ window: { start: '2026-12-01T00:00:00Z', end: '2027-06-01T00:00:00Z' } });
    expect(moved.status).toBe('ok');
    expect(moved.notes.join(' ')).toContain('the sync window moved');
    expect(moved.writes.crm.created).toBe(1);
    expect(moved.writes.mailbox.created).toBe(1);
    expect(moved.writes.crm.deleted).toBe(0);
    expect(moved.writes.mailbox.deleted).toBe(0);
    expect((await harness.crmEvents()).map((record) => record.Subject)).toContain('Next spring offsite');
  });
});

describe('faults', () => {
  it('re-reads everything after an expired delta token', async () => {
    await harness.runSession();
    await harness.graphAdmin('POST', '/_admin/faults', { faults: [{ type: 'expireDeltaTokens' }] });
    await editMailbox('Pipeline review', { subject: 'Pipeline review (moved)' });
    const report = await harness.runSession();
    expect(report.status).toBe('ok');
    expect(report.fullRead.mailbox).toBe(true);
    expect(report.notes.join(' ')).toContain('Full re-read');
    expect(report.writes.crm).toEqual({ created: 0, updated: 1, deleted: 0 });
    expect((await harness.crmEvents())).toHaveLength(4);
  });

  it('waits out a throttled response', async () => {
    await harness.graphAdmin('POST', '/_admin/faults', { faults: [{ type: 'throttle', count: 1, retryAfterSeconds: 1 }] });
    const started = Date.now();
    const report = await harness.runSession();
    expect(report.status).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(report.writes.crm.created).toBe(3);
  });

  it('records a rejected item and syncs the rest', async () => {
    await harness.salesforceAdmin('POST', '/_admin/faults', {
      faults: [{ type: 'validationRule', sobject: 'Event', field: 'Subject', pattern: 'Customer', message: 'Customer meetings need an account' }],
    });
    const report = await harness.runSession();
    expect(report.status).toBe('partial');
    expect(report.writes.crm.created).toBe(2);
    expect(report.itemErrors).toHaveLength(1);
    expect(report.itemErrors[0]?.code).toBe('FIELD_CUSTOM_VALIDATION_EXCEPTION');
    expect(report.itemErrors[0]?.side).toBe('crm');

    const retried = await harness.runSession();
    expect(retried.itemErrors).toHaveLength(1);
    expect(retried.writes.crm.created).toBe(0);

    await harness.salesforceAdmin('DELETE', '/_admin/faults');
    const fixed = await harness.runSession();
    expect(fixed.status).toBe('ok');
    expect(fixed.writes.crm.created).toBe(1);
    expect((await harness.crmEvents()).map((record) => record.Subject)).toContain('Customer call');
  });
});
