import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { Change } from '../src/domain/connector.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { ImapCalDavWorld, type ImapCalDavAccount } from './support/imap-caldav-world.ts';

/** The CalDAV event source against a real Radicale: the ItemSource contract, end to end over HTTP. */

const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const world = new ImapCalDavWorld();

const EVENT: CalendarEvent = {
  subject: 'Renewal call with Fabrikam',
  span: { kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'Europe/Berlin' },
  location: 'Room 4.12',
  body: 'Agenda:\nprices, terms',
  showAs: 'busy',
  sensitivity: 'normal',
  organizer: { email: 'dana@example.com', name: 'Dana Whitlock' },
  attendees: [
    { email: 'kai@fabrikam.example.com', name: 'Kai Berg', type: 'required', response: 'accepted' },
    { email: 'ines@fabrikam.example.com', name: null, type: 'optional', response: 'notResponded' },
  ],
  recurrence: null,
  isCancelled: false,
  iCalUId: null,
  categories: ['Salesforce'],
};

const SERIES = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Test//Client//EN',
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'DTSTART:19810329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'DTSTART:19961027T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'UID:weekly-standup@test',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;TZID=Europe/Berlin:20261019T100000',
  'DTEND;TZID=Europe/Berlin:20261019T103000',
  'RRULE:FREQ=WEEKLY;COUNT=4',
  'EXDATE;TZID=Europe/Berlin:20261102T100000',
  'SUMMARY:Standup',
  'TRANSP:TRANSPARENT',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:weekly-standup@test',
  'DTSTAMP:20260101T000000Z',
  'RECURRENCE-ID;TZID=Europe/Berlin:20261026T100000',
  'DTSTART;TZID=Europe/Berlin:20261026T113000',
  'DTEND;TZID=Europe/Berlin:20261026T120000',
  'SUMMARY:Standup (moved)',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const ALL_DAY = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//Client//EN', 'BEGIN:VEVENT', 'UID:offsite@test', 'DTSTAMP:20260101T000000Z', 'DTSTART;VALUE=DATE:20260610', 'DTEND;VALUE=DATE:20260612', 'SUMMARY:Team offsite', 'CLASS:PRIVATE', 'CATEGORIES:Travel,Team', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

beforeAll(async () => {
  if (ImapCalDavWorld.skipReason === null) {
    await world.start();
  }
});
afterAll(() => world.stop());

function upserts(changes: readonly Change<CalendarEvent>[]): Extract<Change<CalendarEvent>, { kind: 'upsert' }>[] {
  return changes.filter((change): change is Extract<Change<CalendarEvent>, { kind: 'upsert' }> => change.kind === 'upsert');
}

async function createEvent(account: ImapCalDavAccount, event: CalendarEvent, syncId: string): Promise<string> {
  const [result] = await account.connector.events.applyWrites([{ op: 'create', ref: 'c', syncId, item: event }]);
  if (!result?.ok) {
    throw new Error(`create failed: ${JSON.stringify(result)}`);
  }
  return result.id;
}

describe.skipIf(ImapCalDavWorld.skipReason !== null)('CalDAV event source on Radicale', () => {
  it('first pull expands a series', async () => {
    const account = await world.newAccount();
    await world.put(account.user, `${account.urls.events}standup.ics`, SERIES);
    await world.put(account.user, `${account.urls.events}offsite.ics`, ALL_DAY);

    const pull = await account.connector.events.pullChanges(null, WINDOW);

    expect(pull.isFullListing).toBe(true);
    const byStart = new Map(upserts(pull.changes).map((change) => [change.item.span.kind === 'timed' ? change.item.span.start : change.item.span.startDate, change]));
    // 19 Oct and 26 Oct are in summer time, 9 Nov in winter time: the wall time stays 10:00 in Berlin.
    expect([...byStart.keys()].sort()).toEqual(['2026-06-10', '2026-10-19T08:00:00.000Z', '2026-10-26T10:30:00.000Z', '2026-11-09T09:00:00.000Z']);
    const seriesPath = new URL(`${account.urls.events}standup.ics`).pathname;
    const first = byStart.get('2026-10-19T08:00:00.000Z');
    expect(first?.id).toBe(`${seriesPath}#2026-10-19T08:00:00.000Z`);
    expect(first?.item.recurrence).toEqual({ role: 'occurrence', seriesId: seriesPath, originalStart: '2026-10-19T08:00:00.000Z' });
    expect(first?.item.showAs).toBe('free');
    expect(first?.item.span).toEqual({ kind: 'timed', start: '2026-10-19T08:00:00.000Z', end: '2026-10-19T08:30:00.000Z', timeZone: 'Europe/Berlin' });
    const moved = byStart.get('2026-10-26T10:30:00.000Z');
    expect(moved?.item.subject).toBe('Standup (moved)');
    expect(moved?.item.recurrence).toEqual({ role: 'exception', seriesId: seriesPath, originalStart: '2026-10-26T09:00:00.000Z' });
    const offsite = byStart.get('2026-06-10');
    expect(offsite?.item.span).toEqual({ kind: 'allDay', startDate: '2026-06-10', endDate: '2026-06-12' });
    expect(offsite?.item.sensitivity).toBe('private');
    expect(offsite?.item.categories).toEqual(['Travel', 'Team']);
    expect(offsite?.item.iCalUId).toBe('offsite@test');
    expect(offsite?.syncId).toBeNull();
  });

  it('creates, reads back and reports in delta', async () => {
    const account = await world.newAccount();
    const first = await account.connector.events.pullChanges(null, WINDOW);
    expect(first.changes).toEqual([]);

    const id = await createEvent(account, EVENT, 'sync-event-1');

    const read = (await account.connector.events.readItems([id])).get(id);
    expect(read?.item).toEqual({ ...EVENT, iCalUId: 'sync-event-1@syncline' });
    expect(read?.syncId).toBe('sync-event-1');
    const stored = await world.get(account.user, new URL(id, world.davUrl).toString());
    expect(stored.text).toContain('X-SYNCLINE-SYNC-ID:sync-event-1');
    expect(stored.text).toContain('DTSTART;TZID=Europe/Berlin:20260504T150000');
    expect(stored.text).toContain('BEGIN:VTIMEZONE');
    expect(read?.version).toBe(stored.etag);

    const delta = await account.connector.events.pullChanges(first.nextCursor, WINDOW);
    expect(delta.isFullListing).toBe(false);
    expect(upserts(delta.changes).map((change) => [change.id, change.syncId, change.item.subject])).toEqual([[id, 'sync-event-1', EVENT.subject]]);
    const quiet = await account.connector.events.pullChanges(delta.nextCursor, WINDOW);
    expect(quiet.changes).toEqual([]);
  });

  it('updates with a patch and If-Match', async () => {
    const account = await world.newAccount();
    const id = await createEvent(account, EVENT, 'sync-event-2');
    const cursor = (await account.connector.events.pullChanges(null, WINDOW)).nextCursor;
    const before = (await account.connector.events.readItems([id])).get(id);

    const [result] = await account.connector.events.applyWrites([
      { op: 'update', ref: 'u', id, patch: { subject: 'Renewal signed', location: null }, expectedVersion: before?.version ?? null },
    ]);

    expect(result).toMatchObject({ ok: true, id });
    const after = (await account.connector.events.readItems([id])).get(id);
    expect(after?.item).toEqual({ ...EVENT, subject: 'Renewal signed', location: null, iCalUId: 'sync-event-2@syncline' });
    expect(after?.version).not.toBe(before?.version);
    expect(result).toMatchObject({ ok: true, version: after?.version });
    const delta = await account.connector.events.pullChanges(cursor, WINDOW);
    expect(upserts(delta.changes).map((change) => change.item.subject)).toEqual(['Renewal signed']);
  });

  it('stale version fails as a conflict', async () => {
    const account = await world.newAccount();
    const id = await createEvent(account, EVENT, 'sync-event-3');
    const url = new URL(id, world.davUrl).toString();
    const stale = (await account.connector.events.readItems([id])).get(id)?.version ?? null;
    const current = await world.get(account.user, url);
    await world.put(account.user, url, current.text.replace('SUMMARY:Renewal call with Fabrikam', 'SUMMARY:Edited elsewhere'));

    const [result] = await account.connector.events.applyWrites([{ op: 'update', ref: 'u', id, patch: { subject: 'Ours' }, expectedVersion: stale }]);

    expect(result).toMatchObject({ ok: false, failure: { kind: 'conflict' } });
    expect((await world.get(account.user, url)).text).toContain('SUMMARY:Edited elsewhere');
  });

  it('patches one occurrence as an override', async () => {
    const account = await world.newAccount();
    await world.put(account.user, `${account.urls.events}standup.ics`, SERIES);
    const pull = await account.connector.events.pullChanges(null, WINDOW);
    const occurrence = upserts(pull.changes).find((change) => change.item.recurrence?.originalStart === '2026-10-19T08:00:00.000Z');
    const last = upserts(pull.changes).find((change) => change.item.recurrence?.originalStart === '2026-11-09T09:00:00.000Z');

    const [patched] = await account.connector.events.applyWrites([
      { op: 'update', ref: 'u', id: occurrence?.id ?? '', patch: { subject: 'Standup with Sales' }, expectedVersion: occurrence?.version ?? null },
    ]);
    const version = (await account.connector.events.readItems([last?.id ?? ''])).get(last?.id ?? '')?.version ?? null;
    const [deleted] = await account.connector.events.applyWrites([{ op: 'delete', ref: 'd', id: last?.id ?? '' }]);

    expect(patched, JSON.stringify(patched)).toMatchObject({ ok: true });
    expect(deleted).toMatchObject({ ok: true });
    expect(version).not.toBeNull();
    const delta = await account.connector.events.pullChanges(pull.nextCursor, WINDOW);
    const changed = new Map(delta.changes.map((change) => [change.id, change]));
    expect(changed.get(occurrence?.id ?? '')).toMatchObject({ kind: 'upsert', item: { subject: 'Standup with Sales', recurrence: { role: 'exception' } } });
    expect(changed.get(last?.id ?? '')).toEqual({ kind: 'delete', id: last?.id, mayStillExist: true });
    const stored = await world.get(account.user, `${account.urls.events}standup.ics`);
    expect(stored.text).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20261019T100000');
    expect(stored.text).toMatch(/EXDATE;TZID=Europe\/Berlin:20261109T100000/);
  });

  it('deletes and reports the removal', async () => {
    const account = await world.newAccount();
    const id = await createEvent(account, EVENT, 'sync-event-4');
    const cursor = (await account.connector.events.pullChanges(null, WINDOW)).nextCursor;

    const [deleted] = await account.connector.events.applyWrites([{ op: 'delete', ref: 'd', id }]);
    const [again] = await account.connector.events.applyWrites([{ op: 'delete', ref: 'd2', id }]);

    expect(deleted).toMatchObject({ ok: true, id });
    expect(again).toMatchObject({ ok: true, id });
    expect((await account.connector.events.readItems([id])).size).toBe(0);
    const delta = await account.connector.events.pullChanges(cursor, WINDOW);
    expect(delta.changes).toEqual([{ kind: 'delete', id, mayStillExist: false }]);
  });

  it('invalid sync token expires the cursor', async () => {
    const account = await world.newAccount();
    await createEvent(account, EVENT, 'sync-event-5');
    const cursor = JSON.parse((await account.connector.events.pullChanges(null, WINDOW)).nextCursor) as Record<string, unknown>;
    const forged = JSON.stringify({ ...cursor, token: 'http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000' });

    const failure = await account.connector.events.pullChanges(forged, WINDOW).catch((error: unknown) => error);

    expect(isConnectorError(failure, 'cursorExpired')).toBe(true);
    const full = await account.connector.events.pullChanges(null, WINDOW);
    expect(full.isFullListing).toBe(true);
    expect(upserts(full.changes).map((change) => change.syncId)).toEqual(['sync-event-5']);
  });

  it('repeated create finds the first', async () => {
    const account = await world.newAccount();
    const firstId = await createEvent(account, EVENT, 'sync-repeat');

    const [again] = await account.connector.events.applyWrites([{ op: 'create', ref: 'c2', syncId: 'sync-repeat', item: { ...EVENT, subject: 'Second try' } }]);

    expect(again).toMatchObject({ ok: true, id: firstId });
    const all = upserts((await account.connector.events.pullChanges(null, WINDOW)).changes);
    expect(all.map((change) => change.item.subject)).toEqual([EVENT.subject]);
    const found = await account.connector.events.findBySyncIds(['sync-repeat', 'sync-unknown']);
    expect([...found.keys()]).toEqual(['sync-repeat']);
    expect(found.get('sync-repeat')?.id).toBe(firstId);
  });

  it('etag comparison without sync-collection', async () => {
    const account = await world.newAccount({ changeDetection: 'basic' });
    const id = await createEvent(account, EVENT, 'sync-basic');
    const first = await account.connector.events.pullChanges(null, WINDOW);
    expect(upserts(first.changes).map((change) => change.id)).toEqual([id]);
    const quiet = await account.connector.events.pullChanges(first.nextCursor, WINDOW);
    expect(quiet.changes).toEqual([]);

    await account.connector.events.applyWrites([{ op: 'update', ref: 'u', id, patch: { subject: 'Changed' }, expectedVersion: null }]);
    await world.put(account.user, `${account.urls.events}offsite.ics`, ALL_DAY);
    const delta = await account.connector.events.pullChanges(quiet.nextCursor, WINDOW);

    expect(upserts(delta.changes).map((change) => change.item.subject).sort()).toEqual(['Changed', 'Team offsite']);
    await account.connector.events.applyWrites([{ op: 'delete', ref: 'd', id }]);
    const removal = await account.connector.events.pullChanges(delta.nextCursor, WINDOW);
    expect(removal.changes).toEqual([{ kind: 'delete', id, mayStillExist: false }]);
  });

  it('discovers the calendar from the principal', async () => {
    const account = await world.newAccount();
    await world.put(account.user, `${account.urls.tasks}todo.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VTODO', 'UID:t@test', 'DTSTAMP:20260101T000000Z', 'SUMMARY:Not an event', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n'));
    await world.put(account.user, `${account.urls.events}offsite.ics`, ALL_DAY);

    const pull = await account.connector.events.pullChanges(null, WINDOW);

    expect(upserts(pull.changes).map((change) => change.item.subject)).toEqual(['Team offsite']);
    expect(JSON.parse(pull.nextCursor)).toMatchObject({ collection: account.urls.events });
  });

  it('wrong password suspends', async () => {
    const account = await world.newAccount();
    const locked = await world.newAccount({ dav: { ...account.options.dav, password: 'wrong' } });

    const failure = await locked.connector.events.pullChanges(null, WINDOW).catch((error: unknown) => error);

    expect(isConnectorError(failure, 'suspend')).toBe(true);
  });
});
