/**
 * Fidelity report: which mapped Event fields of every corpus calendar item survive mailbox → Salesforce → mailbox
 * unchanged, and for each that does not, the Salesforce limit or org policy that explains it.
 *
 * The round trip runs on the emulators. Every .ics file of ../shared/corpus/ics is seeded into mailbox A, and a session
 * mirrors A into Salesforce. Each Event of A is then copied, with its mapped fields only, to a second user B, and a
 * session of mailbox B creates B's calendar items from those Events. The report compares A's item with B's item field
 * by field. Run with `npm run fidelity` (a table) or `npm run fidelity -- --json` (one JSON document on stdout).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { importIcs } from '../emulators/graph/ics-import.ts';
import { startGraphEmulator } from '../emulators/graph/server.ts';
import { startSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { createSalesforceEventSource } from '../src/crm/salesforce/index.ts';
import type { MailboxRecord } from '../src/domain/accounts.ts';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { SyncWindow } from '../src/domain/connector.ts';
import { createGraphEventSource } from '../src/mailbox/graph/index.ts';
import { defaultEventMapping, eventCrmFields } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { defaultSyncPolicy, runEventSession } from '../src/sync/index.ts';

const CORPUS_ICS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'ics');
const WINDOW: SyncWindow = { start: '1995-01-01T00:00:00Z', end: '2028-01-01T00:00:00Z' };
const TENANT = 'fidelity-tenant';
const GRAPH_CLIENT = { tenantId: TENANT, clientId: 'fidelity-graph', clientSecret: 'fidelity-graph-secret' };
const SF_CLIENT = { clientId: 'fidelity-sf', clientSecret: 'fidelity-sf-secret', refreshTokens: ['fidelity-refresh'] };
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
const TIME_ZONE = 'Europe/Berlin';
const SOURCE = 'source.user@fidelity.example.com';
const RETURN = 'return.user@fidelity.example.com';

/** The Event fields of the default mapping table, copied to the second user's Events. */
const MAPPED_CRM_FIELDS = ['Subject', 'StartDateTime', 'EndDateTime', 'IsAllDayEvent', 'ActivityDate', 'ActivityDateTime', 'DurationInMinutes', 'Location', 'Description', 'ShowAs', 'IsPrivate'];

/** The compared fields: the mailbox side of each pair of the default Event mapping table. */
const FIELDS = ['subject', 'start', 'end', 'allDay', 'location', 'body', 'showAs', 'private'] as const;
type Field = (typeof FIELDS)[number];

/**
 * Reasons a value may change on the way, each a documented Salesforce limit or an org policy Syncline applies on
 * purpose. Sources: the Event object reference of the Salesforce Object Reference (field lengths, ShowAs values,
 * IsPrivate, DurationInMinutes) and docs/mappings.md.
 */
const EXPLANATIONS = {
  subjectLength: 'Event.Subject takes at most 255 characters; longer subjects are cut and marked',
  locationLength: 'Event.Location takes at most 255 characters; longer locations are cut and marked',
  descriptionLength: 'Event.Description takes at most 32,000 characters; longer bodies are cut and marked',
  showAsPicklist: 'Event.ShowAs has only Busy, Free and OutOfOffice; tentative, working elsewhere and unknown become Busy',
  privateFlag: 'Event.IsPrivate is a checkbox; personal, private and confidential all become private',
  privateBody: 'the org policy privateItems=withoutBody keeps the body of a private item out of Salesforce',
  duration: 'Salesforce rejects an Event longer than 14 days (DurationInMinutes at most 20,160), so the item stays in the mailbox only',
  trailingSpace: "Syncline's text rule drops trailing white space from mapped text before it compares or writes it (docs/mappings.md)",
} as const;
type Explanation = keyof typeof EXPLANATIONS;

interface FieldOutcome {
  readonly field: Field;
  readonly preserved: boolean;
  readonly explanation: Explanation | null;
  readonly before: unknown;
  readonly after: unknown;
}

interface ItemOutcome {
  readonly file: string;
  readonly subject: string;
  readonly start: string;
  readonly fields: readonly FieldOutcome[];
}

const json = process.argv.includes('--json');
const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-fidelity-'));
const graph = await startGraphEmulator({
  clients: [GRAPH_CLIENT],
  // The report measures what survives, not throttling: without this, the return mailbox's thousands of writes and
  // reads would wait out Outlook's limit of 10,000 requests per 10 minutes.
  mailboxRequestLimit: { requests: 1_000_000, windowMs: 600_000 },
  users: [SOURCE, RETURN].map((address) => ({ userPrincipalName: address, displayName: address, mailboxTimeZone: TIME_ZONE })),
});
const salesforce = await startSalesforceEmulator({
  clients: [SF_CLIENT],
  users: [SOURCE, RETURN].map((address) => ({ Username: address, Email: address, Name: address, TimeZoneSidKey: TIME_ZONE })),
  syncIdField: SYNC_ID_FIELD,
});
const store = await openStore({ kind: 'sqlite', path: path.join(dataDir, 'fidelity.db') }, createSilentLogger());

try {
  const source = await registerMailbox(store, 'mbx-source', SOURCE);
  const back = await registerMailbox(store, 'mbx-return', RETURN);
  const fileOfUid = await seedCorpus();
  progress(`seeded ${fileOfUid.size} events and series`);

  await runSession(source);
  progress('mirrored the source mailbox into Salesforce');
  const sourceLinks = (await store.loadSyncState(source.id, 'event')).links.filter((link) => link.tombstone === null);
  const copies = await copyEvents(sourceLinks.map((link) => link.crmRecordId));
  progress(`copied ${copies.size} Events to the return user`);
  await runSession(back);
  progress('mirrored the copies into the return mailbox');
  const returnLinks = new Map((await store.loadSyncState(back.id, 'event')).links.map((link) => [link.crmRecordId, link.mailboxItemId]));

  const sourceItems = await readItems(SOURCE, sourceLinks.map((link) => link.mailboxItemId));
  progress(`read ${sourceItems.size} source items back`);
  const returnIds = sourceLinks.map((link) => returnLinks.get(copies.get(link.crmRecordId) ?? '') ?? '');
  const returnItems = await readItems(RETURN, returnIds.filter((id) => id !== ''));

  const outcomes: ItemOutcome[] = sourceLinks.map((link, index) => {
    const before = sourceItems.get(link.mailboxItemId);
    const after = returnItems.get(returnIds[index] ?? '');
    if (before === undefined) {
      throw new Error(`Mailbox item ${link.mailboxItemId} of the source mailbox is linked but could not be read back`);
    }
    return compareItem(fileOfUid.get(before.iCalUId ?? '') ?? '(unknown file)', before, after ?? null);
  });
  const tooLong = await itemsKeptOutOfSalesforce(sourceItems.size);
  report(outcomes, tooLong);
} finally {
  await store.close();
  await graph.close();
  await salesforce.close();
  rmSync(dataDir, { recursive: true, force: true });
}

function progress(message: string): void {
  process.stderr.write(`fidelity: ${message}\n`);
}

async function registerMailbox(target: SynclineStore, id: string, address: string): Promise<MailboxRecord> {
  const mailbox: MailboxRecord = { id, orgId: 'fidelity-org', kind: 'graph', address, timeZone: TIME_ZONE };
  await target.upsertOrg({ id: 'fidelity-org', name: 'Fidelity' });
  await target.upsertMailbox(mailbox);
  return mailbox;
}

/** Seed every corpus file into the source mailbox; return the file of each seeded iCalendar UID. */
async function seedCorpus(): Promise<Map<string, string>> {
  const fileOfUid = new Map<string, string>();
  const files = readdirSync(CORPUS_ICS).filter((name) => name.endsWith('.ics')).sort();
  for (const file of files) {
    const { seeds } = importIcs(readFileSync(path.join(CORPUS_ICS, file), 'utf8'), { fileName: file, horizon: WINDOW, defaultTimeZone: 'UTC' });
    // Unrelated files reuse UIDs such as 0000001, and one mailbox keeps one item per UID, so each file gets its own.
    const own = seeds.map((seed) => ({ ...seed, iCalUId: `${file}/${seed.iCalUId}` }));
    own.forEach((seed) => fileOfUid.set(seed.iCalUId, file));
    if (own.length > 0) {
      await admin(graph.url, 'POST', `/_admin/users/${encodeURIComponent(SOURCE)}/seed`, { events: own });
    }
  }
  return fileOfUid;
}

function graphSource(address: string) {
  return createGraphEventSource({
    graphBaseUrl: `${graph.url}/v1.0`,
    tokenUrl: `${graph.url}/${TENANT}/oauth2/v2.0/token`,
    clientId: GRAPH_CLIENT.clientId,
    clientSecret: GRAPH_CLIENT.clientSecret,
    userId: address,
    mailboxTimeZone: TIME_ZONE,
    // The same reason as the emulator's limit above: the connector would otherwise pace itself to Outlook's limit.
    requestWindow: { maxRequests: 1_000_000, windowMs: 600_000 },
    logger: createSilentLogger(),
  });
}

async function runSession(mailbox: MailboxRecord): Promise<void> {
  const crmSource = createSalesforceEventSource({
    loginUrl: salesforce.url,
    auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'fidelity-refresh' },
    apiVersion: '62.0',
    owner: { email: mailbox.address },
    syncIdField: SYNC_ID_FIELD,
    fields: eventCrmFields(defaultEventMapping),
    logger: createSilentLogger(),
  });
  const result = await runEventSession({
    mailbox,
    mailboxSource: graphSource(mailbox.address),
    crmSource,
    crmRecordUrl: (id) => crmSource.recordUrl(id),
    store,
    mapping: defaultEventMapping,
    policy: defaultSyncPolicy,
    window: WINDOW,
    logger: createSilentLogger(),
  });
  if (result.status === 'failed') {
    throw new Error(`The session of ${mailbox.address} failed: ${result.notes.join('; ')}`);
  }
}

/** Copy the mapped fields of each Event to a new Event of the return user; return each original id's copy id. */
async function copyEvents(ids: readonly string[]): Promise<Map<string, string>> {
  const records = (await admin(salesforce.url, 'GET', '/_admin/records/Event')) as Record<string, unknown>[] | { records: Record<string, unknown>[] };
  const byId = new Map((Array.isArray(records) ? records : records.records).map((record) => [String(record.Id), record]));
  const users = (await admin(salesforce.url, 'GET', '/_admin/records/User')) as Record<string, unknown>[] | { records: Record<string, unknown>[] };
  const owner = (Array.isArray(users) ? users : users.records).find((user) => user.Email === RETURN);

  const originals = ids.map((id) => byId.get(id)).filter((record) => record !== undefined);
  const copies = originals.map((record) => Object.fromEntries([['OwnerId', owner?.Id], ...MAPPED_CRM_FIELDS.filter((field) => record[field] !== undefined).map((field) => [field, record[field]])]));
  const response = (await admin(salesforce.url, 'POST', '/_admin/records', { sobject: 'Event', records: copies })) as { ids: string[] };
  return new Map(originals.map((record, index) => [String(record.Id), response.ids[index] ?? '']));
}

async function readItems(address: string, ids: readonly string[]): Promise<Map<string, CalendarEvent>> {
  const snapshots = await graphSource(address).readItems(ids);
  return new Map([...snapshots].map(([id, snapshot]) => [id, snapshot.item]));
}

/** Count the source items that never reached Salesforce because they are longer than an Event may be. */
async function itemsKeptOutOfSalesforce(linked: number): Promise<number> {
  const pulled = await graphSource(SOURCE).pullChanges(null, WINDOW);
  const items = pulled.changes.flatMap((change) => (change.kind === 'upsert' ? [change.item] : []));
  const tooLong = items.filter((item) => item.span.kind === 'timed' && Date.parse(item.span.end) - Date.parse(item.span.start) > 14 * 24 * 3_600_000);
  const unlinked = items.length - linked;
  if (tooLong.length !== unlinked) {
    process.stderr.write(`${unlinked} items are not linked, of which ${tooLong.length} are longer than 14 days; the others are unexplained\n`);
  }
  return tooLong.length;
}

function valuesOf(event: CalendarEvent): Record<Field, unknown> {
  const span = event.span;
  return {
    subject: event.subject,
    start: span.kind === 'allDay' ? span.startDate : span.start,
    end: span.kind === 'allDay' ? span.endDate : span.end,
    allDay: span.kind === 'allDay',
    location: event.location,
    body: event.body,
    showAs: event.showAs,
    private: event.sensitivity !== 'normal' ? event.sensitivity : 'normal',
  };
}

function compareItem(file: string, before: CalendarEvent, after: CalendarEvent | null): ItemOutcome {
  const old = valuesOf(before);
  const back = after === null ? null : valuesOf(after);
  const fields = FIELDS.map((field): FieldOutcome => {
    const value = back === null ? undefined : back[field];
    const preserved = back !== null && sameValue(old[field], value);
    return { field, preserved, explanation: preserved ? null : explain(field, old[field], value, before), before: old[field], after: value };
  });
  return { file, subject: before.subject, start: String(old.start), fields };
}

function sameValue(before: unknown, after: unknown): boolean {
  const blank = (value: unknown) => value === null || value === undefined || value === '';
  return (blank(before) && blank(after)) || before === after;
}

/** Name the limit that explains a changed value, or null when none does. */
function explain(field: Field, before: unknown, after: unknown, item: CalendarEvent): Explanation | null {
  const text = typeof before === 'string' ? before : '';
  const cut = (max: number) => Array.from(text).length > max && typeof after === 'string' && text.startsWith(after.replace(/…$/u, ''));
  switch (field) {
    case 'subject':
      return cut(255) ? 'subjectLength' : trimmed(text, after);
    case 'location':
      return cut(255) ? 'locationLength' : trimmed(text, after);
    case 'body':
      if (item.sensitivity !== 'normal' && (after === null || after === undefined)) {
        return 'privateBody';
      }
      return cut(32_000) ? 'descriptionLength' : trimmed(text, after);
    case 'showAs':
      return after === 'busy' && ['tentative', 'workingElsewhere', 'unknown'].includes(String(before)) ? 'showAsPicklist' : null;
    case 'private':
      return after === 'private' && ['personal', 'confidential'].includes(String(before)) ? 'privateFlag' : null;
    default:
      return null;
  }
}

/** Return `trailingSpace` when the value came back as the original without its trailing white space. */
function trimmed(before: string, after: unknown): Explanation | null {
  const kept = before.replace(/\r\n?/g, '\n').replace(/\s+$/u, '');
  return kept !== before && (after === kept || (kept === '' && (after === null || after === undefined))) ? 'trailingSpace' : null;
}

function report(outcomes: readonly ItemOutcome[], keptOut: number): void {
  const all = outcomes.flatMap((outcome) => outcome.fields);
  const changed = all.filter((outcome) => !outcome.preserved);
  const explained = changed.filter((outcome) => outcome.explanation !== null);
  const byExplanation = Object.fromEntries(
    (Object.keys(EXPLANATIONS) as Explanation[]).map((key) => [key, key === 'duration' ? keptOut : explained.filter((outcome) => outcome.explanation === key).length]),
  );
  const unexplained = outcomes.flatMap((outcome) =>
    outcome.fields.filter((field) => !field.preserved && field.explanation === null).map((field) => ({ file: outcome.file, subject: outcome.subject, start: outcome.start, ...field })),
  );
  const summary = {
    files: new Set(outcomes.map((outcome) => outcome.file)).size,
    items: outcomes.length,
    fields: all.length,
    preserved: all.length - changed.length,
    explained: explained.length,
    unexplained: unexplained.length,
    keptOutOfSalesforce: keptOut,
    byExplanation,
    explanations: EXPLANATIONS,
    unexplainedFields: unexplained,
  };

  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const lines = [
    `Corpus items mirrored and read back: ${summary.items} from ${summary.files} files; compared fields: ${summary.fields}`,
    `  preserved:   ${summary.preserved}`,
    `  explained:   ${summary.explained}`,
    `  unexplained: ${summary.unexplained}`,
    `Items kept out of Salesforce: ${keptOut} (${EXPLANATIONS.duration})`,
    'Changed fields by reason:',
    ...(Object.keys(EXPLANATIONS) as Explanation[]).filter((key) => key !== 'duration').map((key) => `  ${String(byExplanation[key]).padStart(5)}  ${EXPLANATIONS[key]}`),
    ...unexplained.map((field) => `  unexplained: ${field.file} "${field.subject}" ${field.start} ${field.field}: ${JSON.stringify(field.before)} → ${JSON.stringify(field.after)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function admin(origin: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${origin}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${method} ${route} failed with ${response.status}: ${await response.text()}`);
  }
  return response.status === 204 ? null : response.json();
}
