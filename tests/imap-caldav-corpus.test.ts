import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { Change } from '../src/domain/connector.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { createImapCalDavConnector } from '../src/mailbox/imap-caldav/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { CORPUS_DIFFERENCES, RADICALE_REJECTS, splitIcsByUid } from './support/caldav-corpus.ts';
import { ImapCalDavWorld, MAILBOX_ZONE } from './support/imap-caldav-world.ts';

/**
 * The corpus round trip: every .ics file goes into Radicale (one resource per UID, one calendar per file) and,
 * through the Graph emulator's importer, into a Graph mailbox. Both connectors must then give the same canonical
 * events, field by field, except for the differences listed in tests/support/caldav-corpus.ts.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_ICS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'ics');
const WINDOW = { start: '1995-01-01T00:00:00.000Z', end: '2028-01-01T00:00:00.000Z' };
const ADDRESS = 'alex.morgan@contoso.example.com';
const CLIENT = { tenantId: 'contoso', clientId: 'syncline-test', clientSecret: 'test-secret' };
const files = readdirSync(CORPUS_ICS).filter((name) => name.endsWith('.ics')).sort();

const world = new ImapCalDavWorld();
let graph: RunningGraphEmulator;
/** Per file: the events each side gave, keyed by UID and slot, and the resources Radicale rejected. */
const sides = new Map<string, { graph: Map<string, CalendarEvent>; caldav: Map<string, CalendarEvent>; rejected: string[] }>();

beforeAll(async () => {
  if (ImapCalDavWorld.skipReason !== null) {
    return;
  }
  await world.start();
  graph = await startGraphEmulator({ clients: [CLIENT], users: [{ userPrincipalName: ADDRESS, displayName: 'Alex Morgan', mailboxTimeZone: MAILBOX_ZONE }] });
  const account = await world.newAccount();

  for (const [index, file] of files.entries()) {
    const text = readFileSync(path.join(CORPUS_ICS, file), 'utf8');
    const calendarUrl = `${world.davUrl}${account.user.name}/corpus-${index}/`;
    await world.dav(account.user, 'MKCALENDAR', calendarUrl);
    const rejected: string[] = [];
    for (const [resourceIndex, resource] of splitIcsByUid(text, file).entries()) {
      const response = await fetch(`${calendarUrl}r${resourceIndex}.ics`, {
        method: 'PUT',
        headers: { authorization: `Basic ${Buffer.from(`${account.user.name}:${account.user.password}`).toString('base64')}`, 'content-type': 'text/calendar; charset=utf-8' },
        body: resource.text,
      });
      await response.text();
      if (response.status >= 300) {
        rejected.push(resource.uid);
      }
    }

    const connector = createImapCalDavConnector({ ...account.options, dav: { ...account.options.dav, eventCalendarUrl: calendarUrl } });
    const caldav = keyed((await connector.events.pullChanges(null, WINDOW)).changes, (uid) => uid);
    sides.set(file, { graph: new Map(), caldav, rejected });
  }

  await seedGraph();
}, 300_000);

afterAll(async () => {
  await graph?.close();
  await world.stop();
});

/** Seed every file into the Graph mailbox with its UIDs prefixed by the file name, since files reuse UIDs. */
async function seedGraph(): Promise<void> {
  for (const file of files) {
    const { seeds } = importIcs(readFileSync(path.join(CORPUS_ICS, file), 'utf8'), { fileName: file, horizon: WINDOW, defaultTimeZone: MAILBOX_ZONE });
    const own = seeds.map((seed) => ({ ...seed, iCalUId: `${file}/${seed.iCalUId}` }));
    if (own.length > 0) {
      const response = await fetch(`${graph.url}/_admin/users/${encodeURIComponent(ADDRESS)}/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: own }) });
      // An unread body keeps the connection busy, and the emulator's close waits for it.
      const answer = await response.text();
      expect(response.ok, answer).toBe(true);
    }
  }

  const source = createGraphEventSource({
    graphBaseUrl: `${graph.url}/v1.0`,
    tokenUrl: `${graph.url}/${CLIENT.tenantId}/oauth2/v2.0/token`,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    userId: ADDRESS,
    mailboxTimeZone: MAILBOX_ZONE,
    logger: createSilentLogger(),
  });
  const pulled = (await source.pullChanges(null, WINDOW)).changes;
  for (const file of files) {
    const prefix = `${file}/`;
    const mine = pulled.filter((change) => change.kind === 'upsert' && change.item.iCalUId?.startsWith(prefix));
    const entry = sides.get(file);
    if (entry !== undefined) {
      for (const [key, event] of keyed(mine, (uid) => uid.slice(prefix.length))) {
        entry.graph.set(key, { ...event, iCalUId: event.iCalUId?.slice(prefix.length) ?? null });
      }
    }
  }
}

/** Key an event by its UID and slot: the original start of an instance, or the start of a single event. */
function keyed(changes: readonly Change<CalendarEvent>[], uidOf: (uid: string) => string): Map<string, CalendarEvent> {
  const events = new Map<string, CalendarEvent>();
  for (const change of changes) {
    if (change.kind !== 'upsert') {
      continue;
    }
    const event = change.item;
    const start = event.span.kind === 'timed' ? event.span.start : event.span.startDate;
    events.set(`${uidOf(event.iCalUId ?? '')} @ ${event.recurrence?.originalStart ?? start}`, event);
  }
  return events;
}

/** The fields both connectors fill; names given as the address itself count as no name, as Exchange writes them. */
function comparable(event: CalendarEvent): Record<string, unknown> {
  const name = (person: { email: string | null; name: string | null } | null) => (person === null || person.name === person.email ? null : person.name);
  return {
    subject: event.subject,
    span: event.span,
    location: event.location,
    body: event.body,
    showAs: event.showAs,
    sensitivity: event.sensitivity,
    isCancelled: event.isCancelled,
    organizer: event.organizer === null ? null : { email: event.organizer.email, name: name(event.organizer) },
    attendees: event.attendees.map((attendee) => ({ email: attendee.email, name: name(attendee), type: attendee.type, response: attendee.response })),
    recurrence: event.recurrence === null ? null : { role: event.recurrence.role, originalStart: event.recurrence.originalStart },
  };
}

/**
 * Every difference between the two sides of a file, as `<uid> <field>` lines, one per UID and field however many
 * instances of the series it touches; an instance one side lacks is `<uid> only in <side>`.
 */
function differences(file: string): string[] {
  const entry = sides.get(file);
  if (entry === undefined) {
    return [];
  }
  const lines = new Set<string>();
  for (const key of new Set([...entry.graph.keys(), ...entry.caldav.keys()])) {
    const uid = key.slice(0, key.lastIndexOf(' @ '));
    if (entry.rejected.includes(uid)) {
      continue;
    }
    const fromGraph = entry.graph.get(key);
    const fromCaldav = entry.caldav.get(key);
    if (fromGraph === undefined || fromCaldav === undefined) {
      lines.add(`${uid} only in ${fromGraph === undefined ? 'CalDAV' : 'Graph'}`);
      if (process.env.SYNCLINE_CORPUS_DETAILS === '1') {
        console.log(file, key, 'only in', fromGraph === undefined ? 'CalDAV' : 'Graph', JSON.stringify(fromGraph ?? fromCaldav));
      }
      continue;
    }
    const a = comparable(fromGraph);
    const b = comparable(fromCaldav);
    for (const field of Object.keys(a)) {
      if (JSON.stringify(a[field]) !== JSON.stringify(b[field])) {
        lines.add(`${uid} ${field}`);
        if (process.env.SYNCLINE_CORPUS_DETAILS === '1') {
          console.log(file, key, field, JSON.stringify(a[field]), JSON.stringify(b[field]));
        }
      }
    }
  }
  return [...lines].sort();
}

describe.skipIf(ImapCalDavWorld.skipReason !== null)('corpus through CalDAV and Graph', () => {
  it('Radicale stores the expected files', () => {
    const rejected = Object.fromEntries(files.map((file) => [file, sides.get(file)?.rejected ?? []]).filter(([, uids]) => (uids as string[]).length > 0));
    expect(rejected).toEqual(RADICALE_REJECTS);
  });

  it('CalDAV reads every stored event', () => {
    const total = [...sides.values()].reduce((sum, entry) => sum + entry.caldav.size, 0);
    expect(total).toBeGreaterThan(100);
  });

  it.each(files)('%s gives the same events', (file) => {
    expect(differences(file)).toEqual(CORPUS_DIFFERENCES[file] ?? []);
  });
});
