import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import { createGoogleEventSource } from '../src/mailbox/google/index.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { GoogleWorld } from './support/google-world.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_ICS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'ics');
const WINDOW = { start: '1995-01-01T00:00:00.000Z', end: '2028-01-01T00:00:00.000Z' };
const ZONE = 'Europe/Berlin';
const TENANT = 'corpus-tenant';
const files = readdirSync(CORPUS_ICS).filter((name) => name.endsWith('.ics') && name.startsWith('outlook2003')).sort();
const world = new GoogleWorld();
let graph: RunningGraphEmulator;

beforeAll(async () => {
  await world.start();
  graph = await startGraphEmulator({ clients: [{ tenantId: TENANT, clientId: 'graph-app', clientSecret: 'graph-secret' }] });
});
afterAll(async () => {
  await world.stop();
  await graph.close();
});

it('debug', async () => {
  for (const [index, file] of files.entries()) {
    const ics = readFileSync(path.join(CORPUS_ICS, file), 'utf8');
    const address = `corpus${index}@example.com`;
    await fetch(`${graph.url}/_admin/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userPrincipalName: address, displayName: 'Corpus', mailboxTimeZone: ZONE }) });
    const { seeds } = importIcs(ics, { fileName: file, horizon: WINDOW, defaultTimeZone: ZONE });
    if (seeds.length > 0) {
      const r = await fetch(`${graph.url}/_admin/users/${encodeURIComponent(address)}/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: seeds }) });
      if (!r.ok) console.log(file, await r.text());
    }
    console.time('graphseed'); console.timeEnd('graphseed');
    console.time('gseed');
    await world.admin('POST', '/_admin/users', { email: address, timeZone: ZONE });
    await world.admin('POST', `/_admin/users/${address}/calendar/seed-ics`, { ics, fileName: file, horizon: WINDOW });
    const graphSource = createGraphEventSource({ graphBaseUrl: `${graph.url}/v1.0`, tokenUrl: `${graph.url}/${TENANT}/oauth2/v2.0/token`, clientId: 'graph-app', clientSecret: 'graph-secret', userId: address, mailboxTimeZone: ZONE, logger: createSilentLogger() });
    const googleSource = createGoogleEventSource(world.optionsFor(address, ZONE));
    console.timeEnd('gseed'); console.time('gpull');
    const g = (await graphSource.pullChanges(null, WINDOW)).changes.flatMap((c) => (c.kind === 'upsert' ? [c.item] : []));
    console.timeEnd('gpull'); console.time('opull');
    const o = (await googleSource.pullChanges(null, WINDOW)).changes.flatMap((c) => (c.kind === 'upsert' ? [c.item] : []));
    console.timeEnd('opull');
    const key = (e: CalendarEvent) => `${e.iCalUId}|${e.recurrence?.originalStart ?? (e.span.kind === 'allDay' ? e.span.startDate : e.span.start)}`;
    const gm = new Map(g.map((e) => [key(e), e]));
    const om = new Map(o.map((e) => [key(e), e]));
    const diffs: string[] = [];
    for (const [k, e] of gm) {
      const other = om.get(k);
      if (!other) { diffs.push(`missing in google: ${k} cancelled=${e.isCancelled}`); continue; }
      for (const field of Object.keys(e) as (keyof CalendarEvent)[]) {
        const a = JSON.stringify(field === 'recurrence' ? { ...e.recurrence, seriesId: 0 } : e[field]);
        const b = JSON.stringify(field === 'recurrence' ? { ...other.recurrence, seriesId: 0 } : other[field]);
        if (a !== b) diffs.push(`${k} ${field}: graph=${a.slice(0, 150)} google=${b.slice(0, 150)}`);
      }
    }
    for (const k of om.keys()) if (!gm.has(k)) diffs.push(`extra in google: ${k}`);
    console.log(`${file}: graph ${g.length} google ${o.length}\n  ${diffs.slice(0, 12).join('\n  ')}`);
  }
}, 240_000);
