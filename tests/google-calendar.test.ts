import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { Change } from '../src/domain/connector.ts';
import { createGoogleEventSource } from '../src/mailbox/google/index.ts';
import { GoogleWorld, type GoogleUser } from './support/google-world.ts';
import { describeItemSourceContract } from './support/item-source-contract.ts';

/** The Google Calendar event source against the Google emulator, over HTTP, through google-auth-library. */

const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
const world = new GoogleWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

function sample(n: number): CalendarEvent {
  return {
    subject: `Quarterly review ${n}`,
    span: { kind: 'timed', start: `2026-05-${String(n + 3).padStart(2, '0')}T13:00:00.000Z`, end: `2026-05-${String(n + 3).padStart(2, '0')}T14:30:00.000Z`, timeZone: 'Europe/Berlin' },
    location: 'Room 4',
    body: 'Agenda:\n1. Numbers\n2. Plans',
    showAs: 'busy',
    sensitivity: 'private',
    organizer: null,
    attendees: [
      { email: 'ana@customer.example', name: 'Ana Lima', type: 'required', response: 'accepted' },
      { email: 'bo@customer.example', name: null, type: 'optional', response: 'tentativelyAccepted' },
    ],
    recurrence: null,
    isCancelled: false,
    iCalUId: null,
    categories: [],
  };
}

const comparable = ({ subject, span, location, body, showAs, sensitivity, attendees }: CalendarEvent) => ({ subject, span, location, body, showAs, sensitivity, attendees });

async function eventApi(user: GoogleUser, method: string, id: string, body?: unknown) {
  return world.api<Record<string, unknown>>(user, method, `/calendar/v3/calendars/primary/events/${id}`, body);
}

describeItemSourceContract<CalendarEvent>('Google Calendar', {
  window: WINDOW,
  guardsVersion: true,
  sample,
  patch: () => ({ subject: 'Quarterly review, moved', span: { kind: 'allDay', startDate: '2026-06-01', endDate: '2026-06-03' }, location: null, showAs: 'free' }),
  comparable,
  newSubject: async () => {
    const user = await world.newUser();
    return {
      source: createGoogleEventSource(user.options),
      editOutside: async (id) => {
        await eventApi(user, 'PATCH', id, { summary: 'Edited in Google Calendar' });
      },
      expireCursor: async () => {
        await world.admin('POST', `/_admin/users/${user.email}/calendar/expire-sync-tokens`);
      },
    };
  },
});

const SERIES_ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Syncline//tests//EN',
  'BEGIN:VEVENT',
  'UID:weekly-sync@example.com',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;TZID=Europe/Berlin:20260105T100000',
  'DTEND;TZID=Europe/Berlin:20260105T103000',
  'RRULE:FREQ=WEEKLY;COUNT=4',
  'SUMMARY:Weekly sync',
  'ORGANIZER;CN=Dana:mailto:dana@example.com',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:weekly-sync@example.com',
  'DTSTAMP:20260101T000000Z',
  'RECURRENCE-ID;TZID=Europe/Berlin:20260112T100000',
  'DTSTART;TZID=Europe/Berlin:20260112T150000',
  'DTEND;TZID=Europe/Berlin:20260112T153000',
  'SUMMARY:Weekly sync (moved)',
  'END:VEVENT',
  'END:VCALENDAR',
].join('\r\n');

function upserts(changes: readonly Change<CalendarEvent>[]) {
  return changes.filter((change): change is Extract<Change<CalendarEvent>, { kind: 'upsert' }> => change.kind === 'upsert');
}

describe('Google Calendar event source', () => {
  it('lists a series as its instances', async () => {
    const user = await world.newUser();
    await world.admin('POST', `/_admin/users/${user.email}/calendar/seed-ics`, { ics: SERIES_ICS, fileName: 'series.ics', horizon: WINDOW });
    const source = createGoogleEventSource(user.options);

    const pull = await source.pullChanges(null, WINDOW);
    const instances = upserts(pull.changes).map((change) => change.item).sort((a, b) => (a.recurrence?.originalStart ?? '').localeCompare(b.recurrence?.originalStart ?? ''));
    expect(instances).toHaveLength(4);
    expect(new Set(instances.map((item) => item.recurrence?.seriesId)).size).toBe(1);
    expect(instances.map((item) => item.recurrence?.originalStart)).toEqual(['2026-01-05T09:00:00.000Z', '2026-01-12T09:00:00.000Z', '2026-01-19T09:00:00.000Z', '2026-01-26T09:00:00.000Z']);
    expect(instances[1]?.recurrence?.role).toBe('exception');
    expect(instances[1]?.subject).toBe('Weekly sync (moved)');
    expect(instances[1]?.span).toEqual({ kind: 'timed', start: '2026-01-12T14:00:00.000Z', end: '2026-01-12T14:30:00.000Z', timeZone: 'Europe/Berlin' });
    expect(instances[0]?.recurrence?.role).toBe('occurrence');
    expect(instances[0]?.organizer).toEqual({ email: 'dana@example.com', name: 'Dana' });
    expect(instances.every((item) => item.iCalUId === 'weekly-sync@example.com')).toBe(true);
  });

  it('reports every instance when the series is deleted', async () => {
    const user = await world.newUser();
    await world.admin('POST', `/_admin/users/${user.email}/calendar/seed-ics`, { ics: SERIES_ICS, fileName: 'series.ics', horizon: WINDOW });
    const source = createGoogleEventSource(user.options);
    const first = await source.pullChanges(null, WINDOW);
    const seriesId = upserts(first.changes)[0]?.item.recurrence?.seriesId ?? '';

    await eventApi(user, 'DELETE', seriesId);
    const pull = await source.pullChanges(first.nextCursor, WINDOW);
    expect(pull.changes.map((change) => change.kind)).toEqual(['delete', 'delete', 'delete', 'delete']);
    expect(new Set(pull.changes.map((change) => change.id))).toEqual(new Set(first.changes.map((change) => change.id)));
  });

  it('syncs ordinary, out-of-office and focus-time events, and leaves out birthdays and working locations', async () => {
    const user = await world.newUser();
    const create = (body: Record<string, unknown>) => world.api<{ id: string }>(user, 'POST', '/calendar/v3/calendars/primary/events', body);
    const timed = (day: string) => ({ start: { dateTime: `2026-03-${day}T09:00:00Z` }, end: { dateTime: `2026-03-${day}T10:00:00Z` } });
    const birthday = { summary: 'Ana Lima', eventType: 'birthday', birthdayProperties: { type: 'birthday' }, start: { date: '2026-04-02' }, end: { date: '2026-04-03' }, recurrence: ['RRULE:FREQ=YEARLY'], transparency: 'transparent', visibility: 'private' };
    const created = {
      meeting: await create({ summary: 'Customer call', ...timed('02') }),
      away: await create({ summary: 'Out of office', eventType: 'outOfOffice', ...timed('03') }),
      focus: await create({ summary: 'Focus time', eventType: 'focusTime', ...timed('04') }),
      birthday: await create(birthday),
      office: await create({ summary: 'Office', eventType: 'workingLocation', workingLocationProperties: { type: 'officeLocation' }, start: { date: '2026-03-05' }, end: { date: '2026-03-06' } }),
    };
    expect(Object.values(created).map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const everything = await world.api<{ items: { eventType: string }[] }>(user, 'GET', '/calendar/v3/calendars/primary/events?singleEvents=true');
    expect(new Set(everything.body.items.map((event) => event.eventType))).toEqual(new Set(['default', 'outOfOffice', 'focusTime', 'birthday', 'workingLocation']));

    const source = createGoogleEventSource(user.options);
    const first = await source.pullChanges(null, WINDOW);
    expect(upserts(first.changes).map((change) => [change.id, change.item.showAs]).sort()).toEqual(
      [
        [created.meeting.body.id, 'busy'],
        [created.away.body.id, 'oof'],
        [created.focus.body.id, 'busy'],
      ].sort(),
    );

    await create({ ...birthday, summary: 'Bo Chen', start: { date: '2026-05-06' }, end: { date: '2026-05-07' } });
    const later = await create({ summary: 'Follow-up', ...timed('09') });
    const next = await source.pullChanges(first.nextCursor, WINDOW);
    expect(next.changes.map((change) => change.id)).toEqual([later.body.id]);
  });

  it('applies the window to incremental changes', async () => {
    const user = await world.newUser();
    const source = createGoogleEventSource(user.options);
    const [created] = await source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-window', item: sample(1) }]);
    const id = created?.ok ? created.id : '';
    const cursor = (await source.pullChanges(null, WINDOW)).nextCursor;

    await eventApi(user, 'PATCH', id, { start: { dateTime: '2027-03-01T10:00:00Z' }, end: { dateTime: '2027-03-01T11:00:00Z' } });
    const pull = await source.pullChanges(cursor, WINDOW);
    expect(pull.changes).toEqual([{ kind: 'delete', id, mayStillExist: true }]);
    expect((await source.readItems([id])).get(id)?.item.span).toEqual({ kind: 'timed', start: '2027-03-01T10:00:00.000Z', end: '2027-03-01T11:00:00.000Z', timeZone: 'Europe/Berlin' });
  });

  it('writes with sendUpdates=none and the sync id as a private property', async () => {
    const user = await world.newUser();
    const source = createGoogleEventSource(user.options);
    const before = await world.admin<{ guestNotifications: number }>('GET', '/_admin/stats');

    const [created] = await source.applyWrites([{ op: 'create', ref: 'c', syncId: 'sync-quiet', item: sample(2) }]);
    const id = created?.ok ? created.id : '';
    await source.applyWrites([{ op: 'update', ref: 'u', id, patch: { subject: 'Renamed' }, expectedVersion: created?.ok ? created.version : null }]);
    await source.applyWrites([{ op: 'delete', ref: 'd', id }]);

    const after = await world.admin<{ guestNotifications: number }>('GET', '/_admin/stats');
    expect(after.guestNotifications).toBe(before.guestNotifications);
    const stored = (await eventApi(user, 'GET', id)).body;
    expect(stored.extendedProperties).toEqual({ private: { synclineSyncId: 'sync-quiet' } });
    expect(stored.visibility).toBe('private');
    expect(stored.attendees).toEqual([
      { email: 'ana@customer.example', displayName: 'Ana Lima', responseStatus: 'accepted' },
      { email: 'bo@customer.example', responseStatus: 'tentative', optional: true },
    ]);
  });

  it('retries rate limits with backoff', async () => {
    const user = await world.newUser();
    const source = createGoogleEventSource(user.options);
    await world.admin('POST', '/_admin/faults', { type: 'fail', count: 2, status: 403, reason: 'userRateLimitExceeded', api: 'calendar' });
    const sleepsBefore = world.sleeps.length;

    const pull = await source.pullChanges(null, WINDOW);
    expect(pull.isFullListing).toBe(true);
    const waits = world.sleeps.slice(sleepsBefore);
    expect(waits).toHaveLength(2);
    expect(waits[1] ?? 0).toBeGreaterThan(waits[0] ?? 0);
  });

  it('retries a throttled batch part alone', async () => {
    const user = await world.newUser();
    const source = createGoogleEventSource(user.options);
    await source.applyWrites([{ op: 'create', ref: 'a', syncId: 'sync-a', item: sample(3) }]);
    await world.admin('POST', '/_admin/faults', { type: 'fail', count: 1, status: 429, reason: 'rateLimitExceeded', api: 'calendar' });

    const results = await source.applyWrites([
      { op: 'create', ref: 'b', syncId: 'sync-b', item: sample(4) },
      { op: 'create', ref: 'c', syncId: 'sync-c', item: sample(5) },
    ]);
    expect(results.map((result) => result.ok)).toEqual([true, true]);
    const pull = await source.pullChanges(null, WINDOW);
    expect(pull.changes.map((change) => (change.kind === 'upsert' ? change.syncId : null)).sort()).toEqual(['sync-a', 'sync-b', 'sync-c']);
  });

  it('gives up on a daily limit with a suspension', async () => {
    const user = await world.newUser();
    const source = createGoogleEventSource(user.options);
    await world.admin('POST', '/_admin/faults', { type: 'fail', count: 1, status: 403, reason: 'dailyLimitExceeded', api: 'calendar' });

    const error = await source.pullChanges(null, WINDOW).then(() => null, (caught: unknown) => caught);
    expect((error as { failure?: { kind: string; code: string } }).failure).toMatchObject({ kind: 'suspend', code: 'dailyLimitExceeded' });
  });
});
