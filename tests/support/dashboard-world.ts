import type { OrgSetting } from '../../src/config/resolved-config.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import type { MailboxTask } from '../../src/domain/task.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/server.ts';
import { createSalesforceConnection, createSalesforceRecordSource, kindScopes } from '../../src/crm/salesforce/index.ts';
import { crmFieldNeeds, crmFieldsOf, defaultMappingOf, flowsFrom } from '../../src/mapping/index.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { createSessionRunner } from '../../src/scheduler/session-runner.ts';
import { defaultSyncPolicy, runMailboxSession, type SyncPolicy } from '../../src/sync/index.ts';
import { ApiWorld, orgSetting } from './api-world.ts';
import { MemoryMailbox } from './memory-mailbox.ts';
import { mailboxTask } from './planner-fixtures.ts';

export const DANA = 'dana@acme.example';
export const ADMIN = 'admin@acme.example';
export const GINA = 'gina@globex.example';
export const DANA_MAILBOX = 'mbx-dana';
export const ELI_MAILBOX = 'mbx-eli';
export const GINA_MAILBOX = 'mbx-gina';
export const DAILY_API_LIMIT = 15_000;
export const EXPLAINED_CONTACT = '003000000000042AAA';
export const FAILED_EVENT = '00U000000000007AAA';
/** The task a session deleted from Salesforce in Gina's mailbox; the quarantine keeps it. */
export const QUARANTINED_TASK = 'Renew the licence';
/** The task whose subject both sides changed in Gina's mailbox; the mailbox's value won. */
export const CONFLICTED_TASK = { mailbox: 'Draft the plan (mailbox)', crm: 'Draft the plan (Salesforce)' };

const CLIENT = { clientId: 'dashboard-client', clientSecret: 'dashboard-secret', refreshTokens: ['dashboard-refresh'] };
const HOUR_MS = 60 * 60_000;

export interface DashboardWorld {
  readonly api: ApiWorld;
  readonly salesforce: RunningSalesforceEmulator;
  /** Mailbox ids of the forced sessions, in order. */
  readonly forced: string[];
  /** The item error's link, as the connector builds it: the record's Lightning page on the instance. */
  readonly recordUrl: string;
  /** The tasks of each mailbox, kept in memory; real sessions sync them with the Salesforce emulator. */
  readonly tasks: ReadonlyMap<string, MemoryMailbox<MailboxTask>>;
  /** The reports of the sessions that forcing started, in order; each runs a real session. */
  readonly sessions: Promise<SessionReport | null>[];
  /** Live Salesforce Tasks (the recycle bin left out) of the emulator. */
  salesforceTasks(): Promise<{ Id: string; Subject: string }[]>;
  /** Runs a real session of the mailbox's tasks now, outside the scheduler, and records it. */
  syncTasks(mailboxId: string): Promise<SessionReport>;
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
  const salesforce = await startSalesforceEmulator({
    clients: [CLIENT],
    users: [DANA, GINA].map((email) => ({ Username: email, Email: email, Name: email.split('@')[0]!, TimeZoneSidKey: 'Europe/Berlin' })),
    dailyApiLimit: DAILY_API_LIMIT,
  });
  const acme = withSalesforce(orgSetting('acme', 'Acme Corp', [{ id: DANA_MAILBOX, address: DANA }, { id: ELI_MAILBOX, address: 'eli@acme.example' }]), salesforce.url);
  const globex = withSalesforce(orgSetting('globex', 'Globex', [{ id: GINA_MAILBOX, address: GINA }]), salesforce.url);
  const forced: string[] = [];
  const sessions: Promise<SessionReport | null>[] = [];
  const tasks = new Map([DANA_MAILBOX, ELI_MAILBOX, GINA_MAILBOX].map((id) => [id, new MemoryMailbox<MailboxTask>()]));
  let world: ApiWorld | null = null;

  // A forced session runs as the scheduler runs it (state, schedule, session record), over the mailbox's tasks only, so
  // it takes a few hundred milliseconds against the Salesforce emulator.
  const syncTasks = async (mailboxId: string, policy: Partial<SyncPolicy> = {}): Promise<SessionReport> => {
    const store = world!.store;
    const mailbox = await store.getMailbox(mailboxId);
    const org = [acme, globex].find((candidate) => candidate.id === mailbox?.orgId);
    if (mailbox === null || org === undefined) {
      throw new Error(`The dashboard world has no mailbox ${mailboxId}`);
    }
    const report = await runMailboxSession({
      mailbox,
      kinds: [tasksSession(salesforce.url, mailbox.address, tasks.get(mailboxId)!)],
      store,
      policy: { ...defaultSyncPolicy, ...org.policy, ...policy },
      window: TASK_WINDOW,
      logger: createSilentLogger(),
    });
    await store.recordSession(report);
    return report;
  };
  const runner = { current: null as ReturnType<typeof createSessionRunner> | null };

  const api = await ApiWorld.start({
    orgs: [acme, globex],
    requestSession: (mailboxId) => {
      forced.push(mailboxId);
      sessions.push(runner.current!.runSession(mailboxId, 'force'));
    },
  });
  world = api;
  runner.current = createSessionRunner({ store: api.store, runSession: (mailboxId) => syncTasks(mailboxId), intervalMs: () => 30 * 60_000, jitter: 0, logger: createSilentLogger() });

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

  // Gina's mailbox gets real review material: a task a session deleted from Salesforce (now in the quarantine), and a
  // task whose subject both sides changed (a conflict the mailbox won). Globex, so Acme's API use stays as counted.
  const ginaTasks = tasks.get(GINA_MAILBOX)!;
  const quarantined = ginaTasks.add(mailboxTask({ subject: QUARANTINED_TASK, status: 'notStarted', importance: 'normal' }));
  const conflicted = ginaTasks.add(mailboxTask({ subject: 'Draft the plan', status: 'notStarted', importance: 'normal' }));
  await syncTasks(GINA_MAILBOX);
  ginaTasks.remove(quarantined);
  ginaTasks.edit(conflicted, { subject: CONFLICTED_TASK.mailbox });
  const record = (await salesforceTasks(salesforce.url)).find((candidate) => candidate.Subject === 'Draft the plan');
  await salesforceRest(salesforce.url, 'PATCH', `/sobjects/Task/${record?.Id ?? 'missing'}`, { Subject: CONFLICTED_TASK.crm });
  await syncTasks(GINA_MAILBOX);

  return {
    api,
    salesforce,
    forced,
    recordUrl,
    tasks,
    sessions,
    salesforceTasks: () => salesforceTasks(salesforce.url),
    syncTasks: (mailboxId) => syncTasks(mailboxId),
    async close() {
      await Promise.allSettled(sessions);
      await api.close();
      await salesforce.close();
    },
  };
}

const TASK_WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2028-01-01T00:00:00.000Z' };

function tasksSession(salesforceUrl: string, address: string, tasks: MemoryMailbox<MailboxTask>): Parameters<typeof runMailboxSession>[0]['kinds'][number] {
  const table = defaultMappingOf('task');
  const connection = createSalesforceConnection({
    loginUrl: salesforceUrl,
    auth: { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: CLIENT.refreshTokens[0]! },
    apiVersion: '62.0',
    owner: { email: address },
    logger: createSilentLogger(),
  });
  const scope = kindScopes([{ kind: table.kind, sobject: table.crmObject, windowFields: null }]).get(table.kind) ?? { scope: {} };
  const crmSource = createSalesforceRecordSource({
    connection,
    sobject: table.crmObject,
    scope: scope.scope,
    syncIdField: 'Syncline_Sync_Id__c',
    fields: crmFieldsOf(table),
    requirements: crmFieldNeeds(table),
    createsRecords: flowsFrom(table, 'mailbox'),
  });
  return {
    mapping: table,
    mailboxSource: tasks as unknown as Parameters<typeof runMailboxSession>[0]['kinds'][number]['mailboxSource'],
    crmSource,
    crmRecordUrl: (id) => crmSource.recordUrl(id),
    ...(scope.syncIdPrefix === undefined ? {} : { syncIdPrefix: scope.syncIdPrefix }),
  };
}

async function salesforceTasks(salesforceUrl: string): Promise<{ Id: string; Subject: string }[]> {
  const response = (await salesforceAdmin(salesforceUrl, 'GET', '/_admin/records/Task')) as { Id: string; Subject: string; IsDeleted?: boolean }[] | { records: { Id: string; Subject: string; IsDeleted?: boolean }[] };
  return (Array.isArray(response) ? response : response.records).filter((record) => record.IsDeleted !== true);
}

async function salesforceAdmin(salesforceUrl: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${salesforceUrl}${route}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${route} failed with HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
  return text === '' ? null : JSON.parse(text);
}

/** Edit through the REST API, as a person in Salesforce would, so the change stream and SystemModstamp move. */
async function salesforceRest(salesforceUrl: string, method: string, route: string, body: unknown): Promise<void> {
  const token = await fetch(`${salesforceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: CLIENT.refreshTokens[0]! }),
  });
  const { access_token: accessToken } = (await token.json()) as { access_token?: string };
  const response = await fetch(`${salesforceUrl}/services/data/v62.0${route}`, { method, headers: { authorization: `Bearer ${accessToken ?? ''}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) {
    throw new Error(`${method} ${route} failed with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
}
