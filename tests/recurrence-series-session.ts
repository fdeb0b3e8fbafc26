import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import type { OrgSetting } from '../src/config/resolved-config.ts';
import { createSalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import { SalesforceSeriesMode } from '../src/crm/salesforce/series-mode.ts';
import { seriesOrgOf } from '../src/crm/salesforce/series-org.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import type { WriteResult } from '../src/domain/connector.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { kindSessions } from '../src/scheduler/engine-kinds.ts';
import { defaultSyncPolicy, planMailboxSession, type SessionPlan, type SyncPolicy } from '../src/sync/index.ts';
import { runMailboxSession, type MailboxSessionOptions } from '../src/sync/mailbox-session.ts';
import type { RecurringEventsMode, SeriesMasterReader, SeriesRegistryStore } from '../src/sync/series-mode-types.ts';
import { E2eHarness, SYNC_ID_FIELD, type CrmEvent } from './support/e2e-harness.ts';

/** Sessions of a Graph mailbox with series mode wired in, over the corpus series the recurrence-series tests share. */

const CORPUS_ICS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'ics');
// The harness's Salesforce app, whose refresh token the emulator accepts.
export const SF_AUTH = { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' } as const;
export const GRAPH_APP = { tenant: 'contoso-tenant', clientId: 'graph-app', clientSecret: 'graph-secret' };

/** Daily at 22:00 Berlin from 28 January 2020, three times, with the 29th cancelled. */
export const CANCELLED_FILE = 'thunderbird-cancelled-occurrence.ics';
export const CANCELLED_SUBJECT = 'one is cancelled';
/** Weekly on Mondays from 21 September 2020 with no end: a Salesforce series of it ends with the sync window. */
export const ENDLESS_FILE = 'google-weekly-across-dst-lisbon.ics';
export const ENDLESS_SUBJECT = 'MDS-t';
/** Daily at 10:00 Denver from 10 February 2026, three times. The 11th is moved to 10:30 and renamed. */
export const EXCEPTION_FILE = 'google-exception-before-master.ics';
export const EXCEPTION_SUBJECT = 'TEST RECURR 3';
/** All-day on Tuesdays and Thursdays from 19 February to 17 August 2026. The 26 February occurrence is moved a day later. */
export const ALL_DAY_FILE = 'exchange-allday-moved-occurrence.ics';
export const ALL_DAY_SUBJECT = 'Exchange Recurring Test';

export async function seedCorpus(harness: E2eHarness, file: string, window: { start: string; end: string }): Promise<void> {
  const { seeds } = importIcs(readFileSync(path.join(CORPUS_ICS, file), 'utf8'), { fileName: file, horizon: window, defaultTimeZone: 'UTC' });
  await harness.seedMailbox(seeds);
}

/** The harness's Salesforce Event source, which a test may wrap to break a session on purpose. */
export type SeriesCrmSource = ReturnType<E2eHarness['createSources']>['crmSource'];

/** How a test varies one session: a Salesforce source it breaks on purpose, or a policy of its own. */
interface SessionVariant {
  readonly wrapCrm?: (source: SeriesCrmSource) => SeriesCrmSource;
  readonly policy?: Partial<SyncPolicy>;
}

/** Return the options of one session of the harness's mailbox, with series mode wired in as the engine wires it. */
function seriesSessionOptions(harness: E2eHarness, mode: RecurringEventsMode, window = harnessWindow.get(harness), variant: SessionVariant = {}): MailboxSessionOptions {
  const { wrapCrm } = variant;
  const { mailboxSource, crmSource: plainSource } = harness.createSources();
  const crmSource = wrapCrm === undefined ? plainSource : wrapCrm(plainSource);
  const client = createSalesforceRecordClient({ loginUrl: harness.salesforceUrl, auth: SF_AUTH, apiVersion: '62.0', logger: createSilentLogger() });
  if (!readsSeriesMasters(mailboxSource)) throw new Error('The Graph event source reads no series masters');
  const series = new SalesforceSeriesMode({
    mode, org: seriesOrgOf(client), masters: mailboxSource, registry: harness.store, mailboxId: harness.mailbox.id,
    mailboxTimeZone: harness.mailbox.timeZone, logger: createSilentLogger(),
  });
  return {
    mailbox: harness.mailbox,
    kinds: [{
      mapping: defaultEventMapping,
      mailboxSource,
      crmSource: series.wrap(crmSource),
      crmRecordUrl: (id) => crmSource.recordUrl(id),
      beforeCrmWrites: (writes, context) => series.prepare(writes, context),
    }],
    store: harness.store,
    policy: { ...defaultSyncPolicy, ...variant.policy },
    window: window ?? { start: '', end: '' },
    logger: createSilentLogger(),
  };
}

/** Runs one session of the harness's mailbox with series mode wired in as the engine wires it. */
export async function runSession(harness: E2eHarness, mode: RecurringEventsMode, window = harnessWindow.get(harness), wrapCrm?: (source: SeriesCrmSource) => SeriesCrmSource): Promise<SessionReport> {
  return runMailboxSession(seriesSessionOptions(harness, mode, window, wrapCrm === undefined ? {} : { wrapCrm }));
}

/** Runs one session as `runSession` does, under the test's own policy. */
export async function runPolicySession(harness: E2eHarness, mode: RecurringEventsMode, window: { start: string; end: string }, policy: Partial<SyncPolicy>): Promise<SessionReport> {
  return runMailboxSession(seriesSessionOptions(harness, mode, window, { policy }));
}

/** Plans one session of the harness's mailbox as `syncline sync --dry-run` does, with series mode wired in. */
export async function planSession(harness: E2eHarness, mode: RecurringEventsMode, window = harnessWindow.get(harness)): Promise<SessionPlan> {
  return planMailboxSession(seriesSessionOptions(harness, mode, window));
}

/**
 * Runs one session of the harness's mailbox as the engine builds it (`kindSessions`), under the org setting
 * `salesforce.recurringEvents` (absent: the default) and with this series registry. Without a registry the engine
 * builds no series mode.
 */
export async function runEngineSession(harness: E2eHarness, recurringEvents: RecurringEventsMode | undefined, window: { start: string; end: string },
  registry: SeriesRegistryStore | null = harness.store): Promise<SessionReport> {
  const setting = { id: harness.mailbox.id, address: harness.mailbox.address, timeZone: harness.mailbox.timeZone, salesforceUser: { email: harness.mailbox.address }, sessionIntervalMinutes: 30, kind: 'graph' as const };
  const org: OrgSetting = {
    id: 'org-1',
    name: 'Contoso',
    policy: {},
    salesforce: {
      loginUrl: harness.salesforceUrl, apiVersion: '62.0', syncIdField: SYNC_ID_FIELD, apiBudgetShare: 1, auth: SF_AUTH,
      ...(recurringEvents === undefined ? {} : { recurringEvents }),
    },
    graph: { graphBaseUrl: `${harness.graphUrl}/v1.0`, tokenUrl: `${harness.graphUrl}/${GRAPH_APP.tenant}/oauth2/v2.0/token`, clientId: GRAPH_APP.clientId, clientSecret: GRAPH_APP.clientSecret },
    mailboxes: [setting],
  };
  const kinds = kindSessions({ org, setting, tables: [defaultEventMapping], logger: createSilentLogger(), ...(registry === null ? {} : { seriesRegistry: registry }) });
  return runMailboxSession({ mailbox: harness.mailbox, kinds, store: harness.store, policy: defaultSyncPolicy, window, logger: createSilentLogger() });
}

function readsSeriesMasters<T extends object>(source: T): source is T & SeriesMasterReader {
  return typeof (source as Partial<SeriesMasterReader>).readSeriesMasters === 'function';
}

const harnessWindow = new WeakMap<E2eHarness, { start: string; end: string }>();

async function startHarness(window: { start: string; end: string }, recurringEvents2: boolean): Promise<E2eHarness> {
  const harness = await E2eHarness.start({ window, mailboxTimeZone: 'Europe/Berlin' });
  harnessWindow.set(harness, window);
  if (recurringEvents2) {
    // Switching a feature starts a fresh org, so it comes before any record.
    await harness.salesforceAdmin('PUT', '/_admin/features', { recurringEvents2: true });
  }
  return harness;
}

/** Start a harness seeded with these corpus files before the block's tests, and close it after them. */
export function useSeededHarness(window: { start: string; end: string }, recurringEvents2: boolean, files: readonly string[], use: (harness: E2eHarness) => void): void {
  let harness: E2eHarness | undefined;
  beforeAll(async () => {
    harness = await startHarness(window, recurringEvents2);
    use(harness);
    for (const file of files) {
      await seedCorpus(harness, file, window);
    }
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });
}

export async function eventsNamed(harness: E2eHarness, prefix: string): Promise<CrmEvent[]> {
  return (await harness.crmEvents()).filter((record) => String(record.Subject).startsWith(prefix))
    .sort((a, b) => String(a.StartDateTime).localeCompare(String(b.StartDateTime)));
}

async function graphToken(harness: E2eHarness): Promise<string> {
  const response = await fetch(`${harness.graphUrl}/${GRAPH_APP.tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: GRAPH_APP.clientId, client_secret: GRAPH_APP.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  return String(((await response.json()) as { access_token: string }).access_token);
}

export async function graphRequest(harness: E2eHarness, method: string, route: string, body?: unknown): Promise<number> {
  const response = await fetch(`${harness.graphUrl}/v1.0/users/${encodeURIComponent(harness.mailbox.address)}/${route}`, {
    method,
    headers: { authorization: `Bearer ${await graphToken(harness)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

export async function salesforceRequest(harness: E2eHarness, method: string, route: string, body?: unknown): Promise<number> {
  const grant = await fetch(`${harness.salesforceUrl}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: SF_AUTH.clientId, client_secret: SF_AUTH.clientSecret, refresh_token: SF_AUTH.refreshToken }),
  });
  const token = String(((await grant.json()) as { access_token: string }).access_token);
  const response = await fetch(`${harness.salesforceUrl}/services/data/v62.0/${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

/** Return a source that stops the session right after Salesforce accepted the insert of an event series. */
export function stoppingAfterSeriesInsert(source: SeriesCrmSource): SeriesCrmSource {
  return {
    get calls() {
      return source.calls;
    },
    recordUrl: (id) => source.recordUrl(id),
    pullChanges: (cursor, window) => source.pullChanges(cursor, window),
    readItems: (ids) => source.readItems(ids),
    findBySyncIds: (syncIds) => source.findBySyncIds(syncIds),
    applyWrites: async (writes): Promise<WriteResult[]> => {
      const results = await source.applyWrites(writes);
      if (writes.some((write) => write.op === 'create' && write.item.IsRecurrence2 === true)) {
        throw new Error('The process stopped after the series insert');
      }
      return results;
    },
  };
}
