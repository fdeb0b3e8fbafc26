import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { findIana, findWindows } from 'windows-iana';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { Change } from '../src/domain/connector.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { importIcs } from '../emulators/graph/ics-import.ts';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import { EwsWorld } from './support/ews-world.ts';

/**
 * The corpus calendars through both connectors: each .ics file seeds a Graph emulator mailbox and an EWS emulator
 * mailbox, and the canonical events the two connectors read must agree field by field. One emulator of each serves
 * every file, and the files run concurrently, each in a mailbox of its own.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_ICS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'ics');
const WINDOW = { start: '1995-01-01T00:00:00.000Z', end: '2028-01-01T00:00:00.000Z' };
const CLIENT = { tenantId: 'contoso', clientId: 'syncline-test', clientSecret: 'test-secret' };
// Largest first: the files run concurrently, and a long series started last would run on alone at the end.
const files = readdirSync(CORPUS_ICS)
  .filter((name) => name.endsWith('.ics'))
  .sort((a, b) => statSync(path.join(CORPUS_ICS, b)).size - statSync(path.join(CORPUS_ICS, a)).size || a.localeCompare(b));
/** A weekday series over the 33-year window gives thousands of instances, read through both emulators. */
const FILE_TIMEOUT_MS = 180_000;

const world = new EwsWorld();
let graph: RunningGraphEmulator;
let count = 0;

beforeAll(async () => {
  await world.start();
  graph = await startGraphEmulator({ clients: [CLIENT] });
});

afterAll(async () => {
  await world.stop();
  await graph.close();
});

type Upsert = Extract<Change<CalendarEvent>, { kind: 'upsert' }>;

/**
 * An event without the ids each side assigns. Attendees are sorted, because Exchange keeps required, optional and
 * resource attendees in three lists. A zone comes back through its Windows id, the only name Exchange stores.
 */
function comparable(change: Upsert, seriesKeys: ReadonlyMap<string, string>): unknown {
  const { item } = change;
  const span = item.span.kind === 'timed' ? { ...item.span, timeZone: throughWindows(item.span.timeZone) } : item.span;
  return {
    ...item,
    span,
    attendees: [...item.attendees].sort((a, b) => `${a.type}${a.email ?? ''}`.localeCompare(`${b.type}${b.email ?? ''}`)),
    recurrence: item.recurrence === null ? null : { ...item.recurrence, seriesId: seriesKeys.get(item.recurrence.seriesId) ?? '?' },
  };
}

function throughWindows(zone: string): string {
  if (zone === 'UTC') return zone;
  const windows = findWindows(zone)?.[0];
  return windows === undefined ? zone : (findIana(windows)?.[0] ?? zone);
}

/** Instances keyed by UID and original start (or start for single items), the identity both sides share. */
function keyed(changes: readonly Change<CalendarEvent>[]): Map<string, unknown> {
  const upserts = changes.filter((change): change is Upsert => change.kind === 'upsert');
  const seriesKeys = new Map(upserts.filter((change) => change.item.recurrence !== null).map((change) => [change.item.recurrence?.seriesId ?? '', change.item.iCalUId ?? '']));
  const result = new Map<string, unknown>();
  for (const change of upserts) {
    const start = change.item.recurrence?.originalStart ?? (change.item.span.kind === 'timed' ? change.item.span.start : change.item.span.startDate);
    result.set(`${change.item.iCalUId ?? change.item.subject}|${start}`, comparable(change, seriesKeys));
  }
  return result;
}

async function graphEvents(seeds: unknown[]): Promise<Map<string, unknown>> {
  count += 1;
  const address = `corpus${count}@contoso.example`;
  const admin = (pathAndQuery: string, body: unknown) =>
    fetch(`${graph.url}/_admin${pathAndQuery}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await admin('/users', { userPrincipalName: address, displayName: 'Corpus', mailboxTimeZone: 'Europe/Berlin' });
  if (seeds.length > 0) await admin(`/users/${encodeURIComponent(address)}/seed`, { events: seeds });
  const source = createGraphEventSource({
    graphBaseUrl: `${graph.url}/v1.0`,
    tokenUrl: `${graph.url}/${CLIENT.tenantId}/oauth2/v2.0/token`,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    userId: address,
    mailboxTimeZone: 'Europe/Berlin',
    logger: createSilentLogger(),
  });
  return keyed((await source.pullChanges(null, WINDOW)).changes);
}

describe('corpus calendars over EWS and Graph', () => {
  it.concurrent.for(files)('%s reads the same', { timeout: FILE_TIMEOUT_MS }, async (file, { expect }) => {
    const { seeds } = importIcs(readFileSync(path.join(CORPUS_ICS, file), 'utf8'), { fileName: file, horizon: WINDOW, defaultTimeZone: 'UTC' });
    const mailbox = await world.newMailbox(seeds);
    const [ews, expected] = await Promise.all([mailbox.connector.events.pullChanges(null, WINDOW).then((result) => keyed(result.changes)), graphEvents(seeds)]);

    // The Graph emulator's calendar view leaves cancelled items out; an Exchange CalendarView lists them.
    const extra = [...ews.keys()].filter((key) => !expected.has(key));
    expect(extra.every((key) => (ews.get(key) as CalendarEvent).isCancelled), `${file}: extra ${extra.join(', ')}`).toBe(true);
    expect([...expected.keys()].filter((key) => !ews.has(key))).toEqual([]);
    for (const [key, event] of expected) {
      expect(ews.get(key), `${file}: ${key}`).toEqual(event);
    }
  });
});
