import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import { createGoogleEventSource } from '../src/mailbox/google/index.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { GoogleWorld } from './support/google-world.ts';

/**
 * Every corpus calendar imported into a Graph mailbox and into a Google calendar, read back through both connectors,
 * and compared field by field. The two services store some things differently; each such difference is named below
 * with the reason, and any other difference fails the test.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_ICS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'ics');
const WINDOW = { start: '1995-01-01T00:00:00.000Z', end: '2028-01-01T00:00:00.000Z' };
const ZONE = 'Europe/Berlin';
const TENANT = 'corpus-tenant';
const GRAPH_APP = { tenantId: TENANT, clientId: 'graph-app', clientSecret: 'graph-secret' };
const files = readdirSync(CORPUS_ICS).filter((name) => name.endsWith('.ics')).sort();

/** The differences Google's data model makes, by the field they touch. */
const KNOWN = {
  // Calendar makes the calendar's owner the organizer of an event imported without one; Graph leaves it empty.
  organizerOfOwner: 'organizer',
  // Calendar has no "no response" state: an attendee without PARTSTAT reads as needsAction, not Graph's none.
  noResponse: 'attendees',
  // Calendar descriptions are HTML; tags in an imported DESCRIPTION are markup there, and the connector reads text.
  htmlDescription: 'body',
  // Calendar marks no instance as an exception; an edited instance that kept its time reads as an occurrence.
  unmovedException: 'recurrence',
} as const;

interface Comparison {
  readonly unexplained: string[];
  readonly explained: Set<keyof typeof KNOWN>;
}

const world = new GoogleWorld();
let graph: RunningGraphEmulator;
let userCount = 0;

beforeAll(async () => {
  await world.start();
  graph = await startGraphEmulator({ clients: [GRAPH_APP] });
});
afterAll(async () => {
  await world.stop();
  await graph.close();
});

async function graphItems(ics: string, file: string, address: string): Promise<CalendarEvent[]> {
  await postJson(`${graph.url}/_admin/users`, { userPrincipalName: address, displayName: 'Corpus', mailboxTimeZone: ZONE });
  const { seeds } = importIcs(ics, { fileName: file, horizon: WINDOW, defaultTimeZone: ZONE });
  if (seeds.length > 0) {
    await postJson(`${graph.url}/_admin/users/${encodeURIComponent(address)}/seed`, { events: seeds });
  }
  const source = createGraphEventSource({ graphBaseUrl: `${graph.url}/v1.0`, tokenUrl: `${graph.url}/${TENANT}/oauth2/v2.0/token`, clientId: GRAPH_APP.clientId, clientSecret: GRAPH_APP.clientSecret, userId: address, mailboxTimeZone: ZONE, logger: createSilentLogger() });
  return items(await source.pullChanges(null, WINDOW));
}

async function googleItems(ics: string, file: string, address: string): Promise<CalendarEvent[]> {
  await world.admin('POST', '/_admin/users', { email: address, timeZone: ZONE });
  await world.admin('POST', `/_admin/users/${address}/calendar/seed-ics`, { ics, fileName: file, horizon: WINDOW });
  return items(await createGoogleEventSource(world.optionsFor(address, ZONE)).pullChanges(null, WINDOW));
}

function items(pull: { changes: readonly { kind: string; item?: CalendarEvent }[] }): CalendarEvent[] {
  return pull.changes.flatMap((change) => (change.kind === 'upsert' && change.item ? [change.item] : []));
}

async function postJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) {
    throw new Error(`POST ${url} failed with ${response.status}: ${await response.text()}`);
  }
}

function keyOf(event: CalendarEvent): string {
  return `${event.iCalUId}|${event.recurrence?.originalStart ?? (event.span.kind === 'allDay' ? event.span.startDate : event.span.start)}`;
}

/**
 * Graph keeps cancelled meetings and every copy of a UID; Calendar stores a cancellation as a deletion and keeps one
 * event per iCalUID (an import of the same UID replaces it), so those Graph events have no Google counterpart.
 */
function expectedInGoogle(events: readonly CalendarEvent[]): CalendarEvent[] {
  const live = events.filter((event) => !event.isCancelled);
  const singlesByUid = new Map<string, CalendarEvent>();
  for (const event of live.filter((candidate) => candidate.recurrence === null)) {
    singlesByUid.set(event.iCalUId ?? '', event);
  }
  return live.filter((event) => event.recurrence !== null || singlesByUid.get(event.iCalUId ?? '') === event);
}

function compare(graphEvents: readonly CalendarEvent[], googleEvents: readonly CalendarEvent[], mailbox: string): Comparison {
  const unexplained: string[] = [];
  const explained = new Set<keyof typeof KNOWN>();
  const google = new Map(googleEvents.map((event) => [keyOf(event), event]));
  const expected = expectedInGoogle(graphEvents);
  if (google.size !== expected.length) {
    unexplained.push(`Graph gives ${expected.length} events Google should have, Google gives ${google.size}`);
  }

  for (const event of expected) {
    const other = google.get(keyOf(event));
    if (other === undefined) {
      unexplained.push(`${keyOf(event)} is missing in Google`);
      continue;
    }
    for (const field of Object.keys(event) as (keyof CalendarEvent)[]) {
      const reason = explain(field, event, other, mailbox);
      if (reason === 'equal') continue;
      if (reason === null) unexplained.push(`${keyOf(event)} ${field}: Graph ${JSON.stringify(event[field])}, Google ${JSON.stringify(other[field])}`);
      else explained.add(reason);
    }
  }
  return { unexplained, explained };
}

function explain(field: keyof CalendarEvent, graphEvent: CalendarEvent, googleEvent: CalendarEvent, mailbox: string): keyof typeof KNOWN | 'equal' | null {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (field === 'recurrence') {
    const a = graphEvent.recurrence;
    const b = googleEvent.recurrence;
    if (a === null || b === null) return a === b ? 'equal' : null;
    if (a.originalStart !== b.originalStart) return null;
    if (a.role === b.role) return 'equal';
    return a.role === 'exception' && b.role === 'occurrence' ? 'unmovedException' : null;
  }
  if (same(graphEvent[field], googleEvent[field])) return 'equal';

  if (field === 'organizer' && graphEvent.organizer === null && same(googleEvent.organizer, { email: mailbox, name: null })) return 'organizerOfOwner';
  if (field === 'attendees' && same(graphEvent.attendees.map((attendee) => ({ ...attendee, response: attendee.response === 'none' ? 'notResponded' : attendee.response })), googleEvent.attendees)) return 'noResponse';
  if (field === 'body' && /<[a-z][^>]*>/i.test(graphEvent.body ?? '') && googleEvent.body !== null && !/<[a-z][^>]*>/i.test(googleEvent.body)) return 'htmlDescription';
  return null;
}

describe('corpus calendars through Graph and Google', () => {
  it.each(files)('reads %s alike', async (file) => {
    const ics = readFileSync(path.join(CORPUS_ICS, file), 'utf8');
    userCount += 1;
    const address = `corpus-${userCount}@example.com`;
    const [graphEvents, googleEvents] = await Promise.all([graphItems(ics, file, address), googleItems(ics, file, address)]);

    const { unexplained, explained } = compare(graphEvents, googleEvents, address);
    expect(unexplained).toEqual([]);
    for (const reason of explained) {
      expect(Object.keys(KNOWN)).toContain(reason);
    }
  }, 180_000);
});
