import type { OrgSetting } from '../../src/config/resolved-config.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/server.ts';
import { ApiWorld, orgSetting } from './api-world.ts';

export const DANA = 'dana@acme.example';
export const ADMIN = 'admin@acme.example';
export const GINA = 'gina@globex.example';
export const DANA_MAILBOX = 'mbx-dana';
export const ELI_MAILBOX = 'mbx-eli';
export const GINA_MAILBOX = 'mbx-gina';
export const DAILY_API_LIMIT = 15_000;
export const EXPLAINED_CONTACT = '003000000000042AAA';
export const FAILED_EVENT = '00U000000000007AAA';

const CLIENT = { clientId: 'dashboard-client', clientSecret: 'dashboard-secret', refreshTokens: ['dashboard-refresh'] };
const HOUR_MS = 60 * 60_000;

export interface DashboardWorld {
  readonly api: ApiWorld;
  readonly salesforce: RunningSalesforceEmulator;
  /** Mailbox ids of the forced sessions, in order. */
  readonly forced: string[];
  /** The item error's link, as the connector builds it: the record's Lightning page on the instance. */
  readonly recordUrl: string;
  close(): Promise<void>;
}

function withSalesforce(org: OrgSetting, url: string): OrgSetting {
  return {
    ...org,
    salesforce: { ...org.salesforce, loginUrl: url, auth: { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: CLIENT.refreshTokens[0]! } },
  };
}

export function sessionReport(sessionId: string, mailboxId: string, address: string, startedAt: Date, overrides: Partial<SessionReport> = {}): SessionReport {
  return {
    sessionId,
    mailboxId,
    mailbox: address,
    kind: 'graph',
    status: 'ok',
    startedAt: startedAt.toISOString(),
    endedAt: new Date(startedAt.getTime() + 3_000).toISOString(),
    fullRead: { mailbox: false, crm: false },
    reads: { mailbox: 4, crm: 3 },
    writes: { mailbox: { created: 1, updated: 0, deleted: 0 }, crm: { created: 2, updated: 1, deleted: 0 }, byObject: {} },
    apiCalls: { mailbox: 5, crm: 7 },
    conflicts: 0,
    itemErrors: [],
    notes: [],
    ...overrides,
  };
}

/**
 * Start the dashboard's world: the API server (with its pages) over a SQLite store, two orgs, an admin and a user, and a
 * Salesforce emulator on loopback that serves the org's `limits` resource. The user's mailbox has a session
 * history whose latest session left an item error on a Salesforce record, a conflict in its ledger, and a record
 * with link explanations. A forced session is recorded by `requestSession`, as the scheduler would record it.
 */
export async function startDashboardWorld(): Promise<DashboardWorld> {
  const salesforce = await startSalesforceEmulator({ clients: [CLIENT], users: [{ Username: DANA, Email: DANA, Name: 'Dana Scully', TimeZoneSidKey: 'Europe/Berlin' }], dailyApiLimit: DAILY_API_LIMIT });
  const acme = withSalesforce(orgSetting('acme', 'Acme Corp', [{ id: DANA_MAILBOX, address: DANA }, { id: ELI_MAILBOX, address: 'eli@acme.example' }]), salesforce.url);
  const globex = withSalesforce(orgSetting('globex', 'Globex', [{ id: GINA_MAILBOX, address: GINA }]), salesforce.url);
  const forced: string[] = [];
  let world: ApiWorld | null = null;
  let forcedCount = 0;

  const api = await ApiWorld.start({
    orgs: [acme, globex],
    requestSession: (mailboxId) => {
      forced.push(mailboxId);
      forcedCount += 1;
      const id = `forced-${forcedCount}`;
      void world?.store.recordSession(sessionReport(id, mailboxId, DANA, new Date(), { apiCalls: { mailbox: 2, crm: 4 }, reads: { mailbox: 1, crm: 1 } })).then(async () => {
        const schedule = await world?.store.loadSchedule(mailboxId);
        if (schedule !== null && schedule !== undefined) {
          await world?.store.saveSchedule({ ...schedule, lastSessionAt: new Date().toISOString(), lastStatus: 'ok' });
        }
      });
    },
  });
  world = api;

  await api.addUser('acme', ADMIN, 'admin');
  await api.addUser('acme', DANA, 'user');
  await api.addUser('globex', GINA, 'admin');

  const now = Date.now();
  const recordUrl = `${salesforce.url}/lightning/r/Event/${FAILED_EVENT}/view`;
  await api.store.recordSession(sessionReport('s-1', DANA_MAILBOX, DANA, new Date(now - 5 * HOUR_MS), { apiCalls: { mailbox: 9, crm: 11 } }));
  await api.store.recordSession(sessionReport('s-2', DANA_MAILBOX, DANA, new Date(now - 3 * HOUR_MS), { conflicts: 1 }));
  await api.store.recordSession(
    sessionReport('s-3', DANA_MAILBOX, DANA, new Date(now - HOUR_MS), {
      status: 'partial',
      itemErrors: [{ objectKind: 'event', side: 'crm', itemId: FAILED_EVENT, syncId: 'sync-7', code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Customer meetings need an account', recordUrl }],
    }),
  );
  await api.store.recordSession(sessionReport('g-1', GINA_MAILBOX, GINA, new Date(now - 2 * HOUR_MS), { apiCalls: { mailbox: 1, crm: 500 } }));
  for (const mailboxId of [DANA_MAILBOX, ELI_MAILBOX, GINA_MAILBOX]) {
    const last = mailboxId === DANA_MAILBOX ? new Date(now - HOUR_MS).toISOString() : null;
    await api.store.saveSchedule({ mailboxId, state: 'active', reason: null, resumeAt: null, nextSessionAt: new Date(now + 29 * 60_000).toISOString(), lastSessionAt: last, lastStatus: last === null ? null : 'partial', failureCount: 0 });
  }

  await api.store.commitSession({
    mailboxId: DANA_MAILBOX,
    objectKind: 'event',
    upsertLinks: [],
    deleteLinks: [],
    cursors: {},
    resolvedIntents: [],
    pending: [],
    conflicts: [{ mailboxId: DANA_MAILBOX, objectKind: 'event', syncId: 'sync-3', field: 'location', baseValue: 'Room 1', mailboxValue: 'Room 2', crmValue: 'Room 3', winner: 'mailbox', reason: 'mailboxWins: the org keeps the mailbox value' }],
  });
  await api.store.recordLinkExplanations([
    { orgId: 'acme', recordId: EXPLAINED_CONTACT, object: 'Contact', use: 'who', rule: 'exactEmail', activity: 'Event', detail: 'attendee kim@customer.example matched the Contact email', at: new Date(now - 2 * HOUR_MS).toISOString() },
    { orgId: 'globex', recordId: EXPLAINED_CONTACT, object: 'Contact', use: 'who', rule: 'exactEmail', activity: 'Task', detail: 'a Globex link that Acme must not see', at: new Date(now - 2 * HOUR_MS).toISOString() },
  ]);

  return {
    api,
    salesforce,
    forced,
    recordUrl,
    async close() {
      await api.close();
      await salesforce.close();
    },
  };
}
