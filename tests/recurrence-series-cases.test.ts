import { describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import type { RecurringEventsMode } from '../src/sync/series-mode-types.ts';
import type { SyncPolicy } from '../src/sync/policy.ts';
import { eventsNamed, graphRequest, runPolicySession, useSeededHarness } from './recurrence-series-session.ts';
import type { E2eHarness } from './support/e2e-harness.ts';

/** Series mode in harder cases: occurrences a session keeps out, window moves, mode switches and matched Events. */

const MARCH = { start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' };
const STAMP = 'DTSTAMP:20251201T000000Z';

/** Return a daily series at 09:00 Berlin from 2 March 2026, `count` times, with `master` lines and exceptions on the given days. */
function dailySeries(uid: string, count: number, master: readonly string[], exceptions: Readonly<Record<string, readonly string[]>> = {}): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Syncline tests//EN',
    'BEGIN:VEVENT', `UID:${uid}`, STAMP, 'DTSTART;TZID=Europe/Berlin:20260302T090000', 'DTEND;TZID=Europe/Berlin:20260302T093000',
    `RRULE:FREQ=DAILY;COUNT=${count}`, ...master, 'END:VEVENT'];
  for (const [day, exception] of Object.entries(exceptions)) {
    lines.push('BEGIN:VEVENT', `UID:${uid}`, STAMP, `RECURRENCE-ID;TZID=Europe/Berlin:202603${day}T090000`,
      `DTSTART;TZID=Europe/Berlin:202603${day}T090000`, `DTEND;TZID=Europe/Berlin:202603${day}T093000`, ...exception, 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

async function seedIcs(harness: E2eHarness, ics: string, window = MARCH): Promise<void> {
  await harness.seedMailbox(importIcs(ics, { fileName: 'series.ics', horizon: window, defaultTimeZone: 'UTC' }).seeds);
}

async function crmRows(harness: E2eHarness, prefix: string): Promise<string[]> {
  return (await eventsNamed(harness, prefix)).map((record) => `${String(record.StartDateTime).slice(0, 10)} ${String(record.Subject)}`).sort();
}

function startOf(item: object): string {
  return String((item as { start?: { dateTime?: string } | null }).start?.dateTime);
}

async function session(harness: E2eHarness, mode: RecurringEventsMode, window: { start: string; end: string }, policy: Partial<SyncPolicy> = {}) {
  const report = await runPolicySession(harness, mode, window, policy);
  expect(report.status, report.notes.join(' ')).toBe('ok');
  return report;
}

const ALL_MODES = ['occurrences', 'auto'] as const satisfies readonly RecurringEventsMode[];

for (const mode of ALL_MODES) {
  describe(`a cancellation under the keep policy, then the window moves, ${mode}`, () => {
    const FIRST = { start: '2026-03-01T00:00:00Z', end: '2026-03-07T00:00:00Z' };
    const MOVED = { start: '2026-03-01T00:00:00Z', end: '2026-03-13T00:00:00Z' };
    const SUBJECT = 'Kept standup';
    const keep = { deletions: { event: { action: 'keep' }, task: { action: 'keep' }, contact: { action: 'keep' } } } as const;
    let harness: E2eHarness;

    useSeededHarness(MOVED, true, [], (started) => {
      harness = started;
    });

    it('keeps the cancelled occurrence Event', async () => {
      await seedIcs(harness, dailySeries('kept-standup@syncline.test', 10, [`SUMMARY:${SUBJECT}`]), MOVED);
      await session(harness, mode, FIRST, keep);
      expect(await eventsNamed(harness, SUBJECT)).toHaveLength(5);
      const fourth = (await harness.mailboxInstances()).find((item) => item.subject === SUBJECT && startOf(item).startsWith('2026-03-04'));
      expect(await graphRequest(harness, 'DELETE', `events/${encodeURIComponent(String(fourth?.id))}`)).toBe(204);
      await session(harness, mode, FIRST, keep);
      expect(await eventsNamed(harness, SUBJECT)).toHaveLength(5);

      await session(harness, mode, MOVED, keep);
      expect((await eventsNamed(harness, SUBJECT)).map((record) => String(record.StartDateTime).slice(0, 10)))
        .toEqual(['02', '03', '04', '05', '06', '07', '08', '09', '10', '11'].map((day) => `2026-03-${day}`));
    });
  });

  describe(`a private first occurrence under privateItems busyOnly, ${mode}`, () => {
    const SUBJECT = 'Board prep';
    let harness: E2eHarness;

    useSeededHarness(MARCH, true, [], (started) => {
      harness = started;
    });

    it('masks private occurrences once each', async () => {
      await seedIcs(harness, dailySeries('busy-head@syncline.test', 3, [`SUMMARY:${SUBJECT}`, 'CLASS:PRIVATE'], {
        '03': [`SUMMARY:${SUBJECT}`, 'CLASS:PUBLIC'],
      }));
      await session(harness, mode, MARCH, { privateItems: 'busyOnly' });
      const rows = (await harness.crmEvents()).map((record) => `${String(record.StartDateTime).slice(0, 10)} ${String(record.Subject)}`).sort();
      expect(rows).toEqual(['2026-03-02 Busy', `2026-03-03 ${SUBJECT}`, '2026-03-04 Busy']);
      const again = await session(harness, mode, MARCH, { privateItems: 'busyOnly' });
      expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    });
  });

  describe(`an occurrence without external attendees under the externalAttendees selection, ${mode}`, () => {
    const SUBJECT = 'Customer weekly';
    const selection = { calendarItems: 'externalAttendees', category: 'Salesforce', ownDomains: ['contoso.test'] } as const;
    let harness: E2eHarness;

    useSeededHarness(MARCH, true, [], (started) => {
      harness = started;
    });

    it('stays out of Salesforce', async () => {
      await seedIcs(harness, dailySeries('external@syncline.test', 3, [`SUMMARY:${SUBJECT}`, 'ORGANIZER:mailto:user@contoso.test',
        'ATTENDEE;CN=Cust;PARTSTAT=ACCEPTED:mailto:cust@fabrikam.test'], {
        '03': [`SUMMARY:${SUBJECT}`, 'ORGANIZER:mailto:user@contoso.test', 'ATTENDEE;CN=Colleague;PARTSTAT=ACCEPTED:mailto:colleague@contoso.test'],
      }));
      await session(harness, mode, MARCH, { selection });
      expect(await crmRows(harness, SUBJECT)).toEqual([`2026-03-02 ${SUBJECT}`, `2026-03-04 ${SUBJECT}`]);
      const again = await session(harness, mode, MARCH, { selection });
      expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    });
  });

  describe(`an occurrence without the Salesforce category under the category selection, ${mode}`, () => {
    const SUBJECT = 'Tagged review';
    const selection = { calendarItems: 'salesforceCategory', category: 'Salesforce', ownDomains: [] } as const;
    let harness: E2eHarness;

    useSeededHarness(MARCH, true, [], (started) => {
      harness = started;
    });

    it('stays out of Salesforce', async () => {
      await seedIcs(harness, dailySeries('category@syncline.test', 3, [`SUMMARY:${SUBJECT}`]));
      const master = (await harness.mailboxEvents()).find((item) => item.subject === SUBJECT && item.type === 'seriesMaster');
      expect(await graphRequest(harness, 'PATCH', `events/${encodeURIComponent(String(master?.id))}`, { categories: ['Salesforce'] })).toBe(200);
      const third = (await harness.mailboxInstances()).find((item) => item.subject === SUBJECT && startOf(item).startsWith('2026-03-03'));
      expect(await graphRequest(harness, 'PATCH', `events/${encodeURIComponent(String(third?.id))}`, { categories: [] })).toBe(200);
      await session(harness, mode, MARCH, { selection });
      expect(await crmRows(harness, SUBJECT)).toEqual([`2026-03-02 ${SUBJECT}`, `2026-03-04 ${SUBJECT}`]);
      const again = await session(harness, mode, MARCH, { selection });
      expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    });
  });
}

describe('two series at the same times, one with a cancelled occurrence', () => {
  let harness: E2eHarness;

  useSeededHarness(MARCH, true, [], (started) => {
    harness = started;
  });

  it('deletes only the cancelled member', async () => {
    await seedIcs(harness, dailySeries('twin-a@syncline.test', 3, ['SUMMARY:Twin A']));
    await seedIcs(harness, dailySeries('twin-b@syncline.test', 3, ['SUMMARY:Twin B', 'EXDATE;TZID=Europe/Berlin:20260303T090000']));
    await session(harness, 'auto', MARCH);
    expect(await crmRows(harness, 'Twin')).toEqual(['2026-03-02 Twin A', '2026-03-02 Twin B', '2026-03-03 Twin A', '2026-03-04 Twin A', '2026-03-04 Twin B']);
    const again = await session(harness, 'auto', MARCH);
    expect({ crm: again.writes.crm, mailbox: again.writes.mailbox }).toEqual({ crm: { created: 0, updated: 0, deleted: 0 }, mailbox: { created: 0, updated: 0, deleted: 0 } });
  });
});

describe('recurringEvents auto, then occurrences while the window moves, then auto again', () => {
  const FIRST = { start: '2026-03-01T00:00:00Z', end: '2026-03-07T00:00:00Z' };
  const MOVED = { start: '2026-03-01T00:00:00Z', end: '2026-03-13T00:00:00Z' };
  const LAST = { start: '2026-03-01T00:00:00Z', end: '2026-03-20T00:00:00Z' };
  const SUBJECT = 'Switch standup';
  let harness: E2eHarness;

  useSeededHarness(LAST, true, [], (started) => {
    harness = started;
  });

  it('writes each occurrence once', async () => {
    await seedIcs(harness, dailySeries('switch@syncline.test', 16, [`SUMMARY:${SUBJECT}`, 'EXDATE;TZID=Europe/Berlin:20260304T090000']), LAST);
    await session(harness, 'auto', FIRST);
    await session(harness, 'occurrences', MOVED);
    await session(harness, 'auto', LAST);
    const days = (await eventsNamed(harness, SUBJECT)).map((record) => String(record.StartDateTime).slice(8, 10));
    expect(days).toEqual(['02', '03', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17']);
    const again = await session(harness, 'auto', LAST);
    expect({ crm: again.writes.crm, mailbox: again.writes.mailbox }).toEqual({ crm: { created: 0, updated: 0, deleted: 0 }, mailbox: { created: 0, updated: 0, deleted: 0 } });
  });
});

describe('a daily series with more occurrences in the window than one Salesforce series holds', () => {
  const LONG = { start: '2026-03-01T00:00:00Z', end: '2026-08-01T00:00:00Z' };
  const SUBJECT = 'Long daily';
  let harness: E2eHarness;

  useSeededHarness(LONG, true, [], (started) => {
    harness = started;
  });

  it('writes each occurrence once', async () => {
    await seedIcs(harness, dailySeries('long@syncline.test', 130, [`SUMMARY:${SUBJECT}`, 'EXDATE;TZID=Europe/Berlin:20260310T090000']), LONG);
    const report = await session(harness, 'auto', LONG);
    const days = (await eventsNamed(harness, SUBJECT)).map((record) => String(record.StartDateTime).slice(0, 10));
    expect(new Set(days).size).toBe(days.length);
    expect(days).toHaveLength(129);
    expect(report.writes.crm.created).toBe(129);
    const again = await session(harness, 'auto', LONG);
    expect({ crm: again.writes.crm, mailbox: again.writes.mailbox }).toEqual({ crm: { created: 0, updated: 0, deleted: 0 }, mailbox: { created: 0, updated: 0, deleted: 0 } });
  });
});

for (const mode of ALL_MODES) {
  describe(`the first occurrence cancelled in Outlook, then the window moves, ${mode}`, () => {
    const FIRST = { start: '2026-03-01T00:00:00Z', end: '2026-03-07T00:00:00Z' };
    const MOVED = { start: '2026-03-01T00:00:00Z', end: '2026-03-13T00:00:00Z' };
    const SUBJECT = 'Headless standup';
    let harness: E2eHarness;

    useSeededHarness(MOVED, true, [], (started) => {
      harness = started;
    });

    it('writes later occurrences once', async () => {
      await seedIcs(harness, dailySeries('headless@syncline.test', 10, [`SUMMARY:${SUBJECT}`]), MOVED);
      await session(harness, 'auto', FIRST);
      const head = (await harness.mailboxInstances()).find((item) => item.subject === SUBJECT && startOf(item).startsWith('2026-03-02'));
      expect(await graphRequest(harness, 'DELETE', `events/${encodeURIComponent(String(head?.id))}`)).toBe(204);
      await session(harness, mode, FIRST);
      expect(await eventsNamed(harness, SUBJECT)).toHaveLength(4);
      await session(harness, mode, MOVED);
      expect((await eventsNamed(harness, SUBJECT)).map((record) => String(record.StartDateTime).slice(8, 10)))
        .toEqual(['03', '04', '05', '06', '07', '08', '09', '10', '11']);
      const again = await session(harness, mode, MOVED);
      expect({ crm: again.writes.crm, mailbox: again.writes.mailbox }).toEqual({ crm: { created: 0, updated: 0, deleted: 0 }, mailbox: { created: 0, updated: 0, deleted: 0 } });
    });
  });
}

describe('a cancelled exception in an attendee copy', () => {
  const SUBJECT = 'Vendor sync';
  let harness: E2eHarness;

  useSeededHarness(MARCH, true, [], (started) => {
    harness = started;
  });

  it('stays out of Salesforce', async () => {
    await seedIcs(harness, dailySeries('attendee-cancel@syncline.test', 3, [`SUMMARY:${SUBJECT}`, 'ORGANIZER:mailto:boss@fabrikam.test'], {
      '03': [`SUMMARY:${SUBJECT}`, 'ORGANIZER:mailto:boss@fabrikam.test', 'STATUS:CANCELLED'],
    }));
    await session(harness, 'auto', MARCH);
    expect(await crmRows(harness, SUBJECT)).toEqual([`2026-03-02 ${SUBJECT}`, `2026-03-04 ${SUBJECT}`]);
    const again = await session(harness, 'auto', MARCH);
    expect({ crm: again.writes.crm, mailbox: again.writes.mailbox }).toEqual({ crm: { created: 0, updated: 0, deleted: 0 }, mailbox: { created: 0, updated: 0, deleted: 0 } });
  });
});

for (const mode of ALL_MODES) {
  describe(`an occurrence that matches an Event already in Salesforce, ${mode}`, () => {
    const SUBJECT = 'Quarterly review';
    let harness: E2eHarness;

    useSeededHarness(MARCH, true, [], (started) => {
      harness = started;
    });

    it('leaves no second Event', async () => {
      // The 3 March meeting was logged in Salesforce before the mailbox synced: same subject, start and end.
      await harness.insertCrmEvents([{ Subject: SUBJECT, StartDateTime: '2026-03-03T08:00:00.000Z', EndDateTime: '2026-03-03T08:30:00.000Z' }]);
      await seedIcs(harness, dailySeries('matched@syncline.test', 3, [`SUMMARY:${SUBJECT}`]));

      await session(harness, mode, MARCH);
      expect(await crmRows(harness, SUBJECT)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04'].map((day) => `${day} ${SUBJECT}`));
      await session(harness, mode, MARCH);

      expect(await crmRows(harness, SUBJECT)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04'].map((day) => `${day} ${SUBJECT}`));
      const links = (await harness.store.loadSyncState(harness.mailbox.id, 'event')).links;
      expect(links).toHaveLength(3);
    });
  });
}

describe('a weekly series whose start is not one of its days', () => {
  const SUBJECT = 'Off-day start';
  let harness: E2eHarness;

  useSeededHarness(MARCH, true, [], (started) => {
    harness = started;
  });

  it('matches the mailbox dates', async () => {
    await seedIcs(harness, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Syncline tests//EN', 'BEGIN:VEVENT', 'UID:off-day@syncline.test', STAMP,
      'DTSTART;TZID=Europe/Berlin:20260302T090000', 'DTEND;TZID=Europe/Berlin:20260302T093000', 'RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4', `SUMMARY:${SUBJECT}`,
      'END:VEVENT', 'END:VCALENDAR'].join('\r\n'));
    await session(harness, 'auto', MARCH);
    const mailboxDays = (await harness.mailboxInstances()).filter((item) => item.subject === SUBJECT).map((item) => startOf(item).slice(0, 10)).sort();
    const crmDays = (await eventsNamed(harness, SUBJECT)).map((record) => String(record.StartDateTime).slice(0, 10));
    expect(crmDays).toEqual(mailboxDays);
    const again = await session(harness, 'auto', MARCH);
    expect({ crm: again.writes.crm, mailbox: again.writes.mailbox }).toEqual({ crm: { created: 0, updated: 0, deleted: 0 }, mailbox: { created: 0, updated: 0, deleted: 0 } });
  });
});

describe('a private first occurrence made public after the others synced', () => {
  const SUBJECT = 'Late head';
  let harness: E2eHarness;

  useSeededHarness(MARCH, true, [], (started) => {
    harness = started;
  });

  it('writes each occurrence once', async () => {
    await seedIcs(harness, dailySeries('late-head@syncline.test', 4, [`SUMMARY:${SUBJECT}`], { '02': [`SUMMARY:${SUBJECT}`, 'CLASS:PRIVATE'] }));
    await session(harness, 'auto', MARCH, { privateItems: 'skip' });
    expect(await eventsNamed(harness, SUBJECT)).toHaveLength(3);
    const head = (await harness.mailboxInstances()).find((item) => item.subject === SUBJECT && startOf(item).startsWith('2026-03-02'));
    expect(await graphRequest(harness, 'PATCH', `events/${encodeURIComponent(String(head?.id))}`, { sensitivity: 'normal' })).toBe(200);

    await session(harness, 'auto', MARCH, { privateItems: 'skip' });
    expect(await crmRows(harness, SUBJECT)).toEqual(['02', '03', '04', '05'].map((day) => `2026-03-${day} ${SUBJECT}`));
    const again = await session(harness, 'auto', MARCH, { privateItems: 'skip' });
    expect({ crm: again.writes.crm, mailbox: again.writes.mailbox }).toEqual({ crm: { created: 0, updated: 0, deleted: 0 }, mailbox: { created: 0, updated: 0, deleted: 0 } });
  });
});
