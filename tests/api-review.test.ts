import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashPassword } from '../src/auth/passwords.ts';
import { SignInThrottle } from '../src/auth/sign-in-throttle.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import type { MailboxTask } from '../src/domain/task.ts';
import type { UserRole } from '../src/domain/users.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { apiRoutes } from '../src/server/api-routes.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import type { SyncPolicy } from '../src/sync/index.ts';
import { ApiClient, errorOf, orgSetting, PASSWORD, type ApiResponse } from './support/api-world.ts';
import { KindsHarness } from './support/kinds-harness.ts';
import { mailboxTask } from './support/planner-fixtures.ts';
import type { Kysely } from 'kysely';
import type { SynclineDatabase } from '../src/store/database.ts';
import { postgresSchemaTarget, type StoreTarget } from './support/store-targets.ts';

const OWNER = 'dana.reyes@contoso.example.com';
const ADMIN = 'admin@contoso.example.com';
const COLLEAGUE = 'eli@contoso.example.com';
const FOREIGN_ADMIN = 'gina@globex.example';
const FOREIGN_MAILBOX = 'mbx-gina';
const QUARANTINE_DAYS = 12;

interface QuarantineJson {
  id: string;
  objectKind: string;
  side: string;
  itemId: string;
  title: string;
  daysLeft: number;
  expired: boolean;
  restoreRequestedAt: string | null;
  restoredAt: string | null;
}
interface ConflictJson {
  id: string;
  field: string;
  winner: string;
  crmValue: unknown;
  undoes: string | null;
  undo: string | null;
}

const TARGETS: ReadonlyArray<{ name: string; makeTarget: (() => StoreTarget) | null }> = [
  { name: 'sqlite', makeTarget: null },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
];

function task(subject: string): MailboxTask {
  return mailboxTask({ subject, status: 'notStarted', importance: 'normal' });
}

/**
 * The API over the store of a KindsHarness (the Salesforce emulator and a mailbox in memory). A forced session runs a
 * real session of the harness's mailbox against the emulator, so a test checks what the next session made of a request.
 */
describe.each(TARGETS)('review API on $name', ({ makeTarget }) => {
  const target = makeTarget?.() ?? null;
  let harness: KindsHarness;
  let server: RunningServer;
  let url: string;
  let policy: Partial<SyncPolicy> = {};
  const forced: Promise<SessionReport>[] = [];
  const clients = new Map<string, ApiClient>();

  beforeAll(async () => {
    harness =
      target === null
        ? await KindsHarness.start()
        : await KindsHarness.start({
            openStore: async () => {
              const store = await target.open();
              await store.truncateAll();
              return store;
            },
          });
    const orgId = harness.mailbox.orgId;
    const contoso = orgSetting(orgId, 'Contoso', [{ id: harness.mailbox.id, address: OWNER }, { id: 'mbx-eli', address: COLLEAGUE }]);
    const globex = orgSetting('globex', 'Globex', [{ id: FOREIGN_MAILBOX, address: FOREIGN_ADMIN }]);
    const config: SynclineConfig = {
      dataDir: '.',
      store: { kind: 'sqlite', path: ':memory:' },
      window: { kind: 'relative', pastDays: 30, futureDays: 180 },
      jitter: 0,
      maxConcurrentSessions: 1,
      server: { host: '127.0.0.1', port: 0, publicUrl: null },
      orgs: [{ ...contoso, policy: { ...contoso.policy, quarantineDays: QUARANTINE_DAYS } }, globex],
    };
    await harness.store.upsertOrg({ id: 'globex', name: 'Globex' });
    await harness.store.upsertMailbox({ id: 'mbx-eli', orgId, kind: 'graph', address: COLLEAGUE, timeZone: 'Europe/Berlin' });
    await harness.store.upsertMailbox({ id: FOREIGN_MAILBOX, orgId: 'globex', kind: 'graph', address: FOREIGN_ADMIN, timeZone: 'Europe/Berlin' });

    const logger = createSilentLogger();
    const routes = apiRoutes({
      store: harness.store,
      config,
      logger,
      metrics: createMetrics({ processMetrics: false }),
      signInThrottle: new SignInThrottle({ maxFailures: 10 }),
      requestSession: (mailboxId) => {
        if (mailboxId === harness.mailbox.id) {
          forced.push(harness.runSession({ kinds: ['task'], policy }));
        }
      },
    });
    server = await createServer({ logger, routes: [routes] }).listen(0, '127.0.0.1');
    url = server.url;

    const users: [string, string, UserRole][] = [[orgId, OWNER, 'user'], [orgId, ADMIN, 'admin'], [orgId, COLLEAGUE, 'user'], ['globex', FOREIGN_ADMIN, 'admin']];
    const passwordHash = await hashPassword(PASSWORD);
    for (const [org, email, role] of users) {
      await harness.store.createUser({ id: randomUUID(), orgId: org, email, role, passwordHash, createdAt: new Date().toISOString() });
      const client = new ApiClient(url);
      expect((await client.signIn(email)).status).toBe(200);
      clients.set(email, client);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(forced);
    await server?.close();
    await harness?.close();
    await target?.dispose();
  });

  const as = (email: string): ApiClient => clients.get(email)!;
  const mailboxPath = (): string => `/api/v1/mailboxes/${harness.mailbox.id}`;

  /** Wait for the session the last action forced, and return its report. */
  async function forcedSession(): Promise<SessionReport> {
    expect(forced.length).toBeGreaterThan(0);
    return forced.at(-1)!;
  }

  async function quarantineOf(email: string): Promise<QuarantineJson[]> {
    const response = await as(email).request('GET', `${mailboxPath()}/quarantine`);
    expect(response.status).toBe(200);
    return (response.body as { quarantine: QuarantineJson[] }).quarantine;
  }

  async function conflictsOf(email: string): Promise<ConflictJson[]> {
    const response = await as(email).request('GET', `${mailboxPath()}/conflicts`);
    expect(response.status).toBe(200);
    return (response.body as { conflicts: ConflictJson[] }).conflicts;
  }

  it('restores a deleted Salesforce task', async () => {
    policy = {};
    const id = harness.tasks.add(task('Renew the licence'));
    await harness.runSession({ kinds: ['task'] });
    harness.tasks.remove(id);
    await harness.runSession({ kinds: ['task'] });
    expect(await harness.records('Task')).toEqual([]);

    const [entry] = await quarantineOf(OWNER);
    expect(entry).toMatchObject({ objectKind: 'task', side: 'crm', title: 'Renew the licence', daysLeft: QUARANTINE_DAYS, restoreRequestedAt: null, restoredAt: null });
    const restorePath = `${mailboxPath()}/quarantine/${encodeURIComponent(entry!.id)}/restore`;

    // Without the CSRF token, as a colleague, and as another org's admin the entry cannot be restored.
    expect((await as(OWNER).request('POST', restorePath, { csrf: false })).status).toBe(403);
    expect((await as(COLLEAGUE).request('GET', `${mailboxPath()}/quarantine`)).status).toBe(404);
    expect((await as(COLLEAGUE).request('POST', restorePath)).status).toBe(404);
    expect((await as(FOREIGN_ADMIN).request('POST', restorePath)).status).toBe(404);
    const viaOwnMailbox = await as(FOREIGN_ADMIN).request('POST', `/api/v1/mailboxes/${FOREIGN_MAILBOX}/quarantine/${encodeURIComponent(entry!.id)}/restore`);
    expect(viaOwnMailbox.status).toBe(404);
    expect(errorOf(viaOwnMailbox).field).toBe('entryId');
    expect(forced).toHaveLength(0);

    const restored = await as(OWNER).request('POST', restorePath);
    expect(restored.status).toBe(202);
    expect(restored.body).toMatchObject({ restore: { id: entry!.id, status: 'requested', side: 'crm' }, session: { requested: true } });
    expect((restored.body as { message: string }).message).toMatch(/next session makes "Renew the licence" again in Salesforce/);

    const report = await forcedSession();
    expect(report.writes.crm.created).toBe(1);
    expect(await harness.records('Task')).toEqual([expect.objectContaining({ Subject: 'Renew the licence' })]);
    const [after] = await quarantineOf(ADMIN);
    expect(after?.restoredAt).not.toBeNull();

    const again = await as(OWNER).request('POST', restorePath);
    expect(again.status).toBe(409);
    expect(errorOf(again)).toMatchObject({ code: 'already_restored', message: expect.stringContaining('nothing left to restore') });
  });

  it('undoes a conflict decision', async () => {
    policy = { conflict: 'mailboxWins' };
    forced.length = 0;
    const id = harness.tasks.add(task('Draft the plan'));
    await harness.runSession({ kinds: ['task'], policy });
    const record = (await harness.records('Task')).find((candidate) => candidate.Subject === 'Draft the plan');
    harness.tasks.edit(id, { subject: 'Draft the plan (mailbox)' });
    await harness.edit('Task', record!.Id, { Subject: 'Draft the plan (Salesforce)' });
    await harness.runSession({ kinds: ['task'], policy });

    const [decision] = await conflictsOf(OWNER);
    expect(decision).toMatchObject({ field: 'subject', winner: 'mailbox', crmValue: 'Draft the plan (Salesforce)', undoes: null, undo: null });
    const undoPath = `${mailboxPath()}/conflicts/${encodeURIComponent(decision!.id)}/undo`;

    expect((await as(OWNER).request('POST', undoPath, { csrf: false })).status).toBe(403);
    expect((await as(COLLEAGUE).request('POST', undoPath)).status).toBe(404);
    expect((await as(FOREIGN_ADMIN).request('POST', undoPath)).status).toBe(404);
    const foreign = await as(FOREIGN_ADMIN).request('POST', `/api/v1/mailboxes/${FOREIGN_MAILBOX}/conflicts/${encodeURIComponent(decision!.id)}/undo`);
    expect(foreign.status).toBe(404);
    expect(errorOf(foreign).field).toBe('conflictId');
    const unknown = await as(OWNER).request('POST', `${mailboxPath()}/conflicts/${encodeURIComponent(`${harness.mailbox.id}/task/999`)}/undo`);
    expect(unknown.status).toBe(404);
    expect(forced).toHaveLength(0);

    const undo = await as(OWNER).request('POST', undoPath);
    expect(undo.status).toBe(202);
    expect(undo.body).toMatchObject({ undo: { id: decision!.id, field: 'subject', side: 'crm', value: 'Draft the plan (Salesforce)', status: 'requested' }, session: { requested: true } });
    expect((undo.body as { message: string }).message).toContain('next session writes the Salesforce value of subject back to both sides');

    const report = await forcedSession();
    expect(report.writes.mailbox.updated).toBe(1);
    expect(harness.tasks.get(id).subject).toBe('Draft the plan (Salesforce)');
    expect((await harness.records('Task')).find((candidate) => candidate.Id === record!.Id)?.Subject).toBe('Draft the plan (Salesforce)');

    const ledger = await conflictsOf(ADMIN);
    expect(ledger[0]).toMatchObject({ undoes: decision!.id, winner: 'crm' });
    expect(ledger.find((entry) => entry.id === decision!.id)?.undo).toBe('undone');

    const again = await as(ADMIN).request('POST', undoPath);
    expect(again.status).toBe(409);
    expect(errorOf(again)).toMatchObject({ code: 'already_undone', message: expect.stringContaining(ledger[0]!.id) });
  });

  it('decides held mass deletions', async () => {
    policy = {};
    forced.length = 0;
    const subjects = ['One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight'];
    for (const subject of subjects) {
      harness.tasks.add(task(subject));
    }
    await harness.runSession({ kinds: ['task'] });
    const kept = new Set(subjects);
    for (const stored of harness.tasks.all().filter((candidate) => kept.has(candidate.item.subject))) {
      harness.tasks.remove(stored.id);
    }
    expect((await harness.runSession({ kinds: ['task'] })).status).toBe('needsReview');

    const listed = await as(ADMIN).request('GET', `${mailboxPath()}/held-deletions`);
    expect(listed.status).toBe(200);
    const { version, deletions: held } = listed.body as { version: string; deletions: { side: string; title: string; decision: string | null }[] };
    const seen = { body: { version } };

    // Only an admin of the mailbox's org can read and decide the held deletions.
    expect((await as(OWNER).request('GET', `${mailboxPath()}/held-deletions`)).status).toBe(403);
    expect((await as(OWNER).request('POST', `${mailboxPath()}/held-deletions/reject`, seen)).status).toBe(403);
    expect((await as(FOREIGN_ADMIN).request('GET', `${mailboxPath()}/held-deletions`)).status).toBe(404);
    expect((await as(FOREIGN_ADMIN).request('POST', `${mailboxPath()}/held-deletions/reject`, seen)).status).toBe(404);
    expect((await as(ADMIN).request('POST', `${mailboxPath()}/held-deletions/reject`, { ...seen, csrf: false })).status).toBe(403);
    const unnamed = await as(ADMIN).request('POST', `${mailboxPath()}/held-deletions/reject`);
    expect(unnamed.status).toBe(400);
    expect(errorOf(unnamed).message).toContain('version');

    expect(held).toHaveLength(subjects.length);
    expect(held.map((entry) => entry.title).sort()).toEqual([...subjects].sort());
    expect(held.every((entry) => entry.side === 'crm' && entry.decision === null)).toBe(true);
    expect(forced).toHaveLength(0);

    const rejected: ApiResponse = await as(ADMIN).request('POST', `${mailboxPath()}/held-deletions/reject`, seen);
    expect(rejected.status).toBe(202);
    expect(rejected.body).toMatchObject({ decision: 'reject', deletions: subjects.length, session: { requested: true } });

    const report = await forcedSession();
    expect(report.status).toBe('ok');
    expect(report.writes.mailbox.created).toBe(subjects.length);
    expect(harness.tasks.all().map((stored) => stored.item.subject).filter((subject) => kept.has(subject)).sort()).toEqual([...subjects].sort());

    const nothing = await as(ADMIN).request('POST', `${mailboxPath()}/held-deletions/confirm`, seen);
    expect(nothing.status).toBe(409);
    expect(errorOf(nothing)).toMatchObject({ code: 'nothing_held', message: expect.stringContaining('nothing to confirm') });
  });

  it('appears in the OpenAPI document', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/mailboxes/{id}/conflicts/{conflictId}/undo',
        '/api/v1/mailboxes/{id}/quarantine',
        '/api/v1/mailboxes/{id}/quarantine/{entryId}/restore',
        '/api/v1/mailboxes/{id}/held-deletions',
        '/api/v1/mailboxes/{id}/held-deletions/confirm',
        '/api/v1/mailboxes/{id}/held-deletions/reject',
      ]),
    );
    expect(Object.keys(document.paths['/api/v1/mailboxes/{id}/quarantine/{entryId}/restore']!)).toEqual(['post']);
  });

  it('records without a session while suspended', async () => {
    forced.length = 0;
    const id = harness.tasks.add(task('Order toner'));
    await harness.runSession({ kinds: ['task'] });
    harness.tasks.remove(id);
    await harness.runSession({ kinds: ['task'] });
    const entry = (await quarantineOf(OWNER)).find((candidate) => candidate.title === 'Order toner');

    expect((await as(OWNER).request('POST', `${mailboxPath()}/suspend`, { body: { reason: 'On holiday' } })).status).toBe(200);
    const response = await as(OWNER).request('POST', `${mailboxPath()}/quarantine/${encodeURIComponent(entry!.id)}/restore`);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ restore: { status: 'requested' }, session: { requested: false, note: expect.stringContaining('suspendedByUser') } });
    expect(forced).toHaveLength(0);
    expect((await harness.store.getQuarantineEntry(entry!.id))?.restoreRequestedAt).not.toBeNull();

    const twice = await as(OWNER).request('POST', `${mailboxPath()}/quarantine/${encodeURIComponent(entry!.id)}/restore`);
    expect(twice.body).toMatchObject({ restore: { status: 'alreadyRequested' } });
  });

  const DAY_MS = 24 * 60 * 60 * 1000;

  /** Move a quarantine entry's deletion back in time, as if it had waited that long. */
  async function ageEntry(id: string, days: number): Promise<void> {
    const db = (harness.store as unknown as { db: Kysely<SynclineDatabase> }).db;
    await db.updateTable('quarantine').set({ deleted_at: new Date(Date.now() - days * DAY_MS).toISOString() }).where('id', '=', id).execute();
  }

  async function deleteTaskIntoQuarantine(subject: string): Promise<QuarantineJson> {
    const id = harness.tasks.add(task(subject));
    await harness.runSession({ kinds: ['task'] });
    harness.tasks.remove(id);
    await harness.runSession({ kinds: ['task'] });
    const entry = (await quarantineOf(OWNER)).find((candidate) => candidate.title === subject);
    expect(entry).toBeDefined();
    return entry!;
  }

  it('rejects restoring an expired entry', async () => {
    expect((await as(OWNER).request('POST', `${mailboxPath()}/resume`)).status).toBe(200);
    await Promise.allSettled(forced);
    forced.length = 0;
    const entry = await deleteTaskIntoQuarantine('Call the notary');
    expect(entry).toMatchObject({ daysLeft: QUARANTINE_DAYS, expired: false });
    await ageEntry(entry.id, QUARANTINE_DAYS + 1);

    const listed = (await quarantineOf(OWNER)).find((candidate) => candidate.id === entry.id);
    expect(listed).toMatchObject({ daysLeft: 0, expired: true });
    const response = await as(OWNER).request('POST', `${mailboxPath()}/quarantine/${encodeURIComponent(entry.id)}/restore`);
    expect(response.status).toBe(409);
    expect(errorOf(response)).toMatchObject({ code: 'quarantine_expired', field: 'entryId', message: expect.stringContaining(`policy.quarantineDays is ${QUARANTINE_DAYS}`) });
    expect(forced).toHaveLength(0);
    expect((await harness.store.getQuarantineEntry(entry.id))?.restoreRequestedAt).toBeNull();
  });

  it('purges per kind, keeping pending restores', async () => {
    forced.length = 0;
    const requested = await deleteTaskIntoQuarantine('Sign the lease');
    const expired = await deleteTaskIntoQuarantine('Water the plants');
    // Requested in time (as the API or the CLI records it), then the quarantine time ran out before a session ran.
    expect(await harness.store.requestQuarantineRestore(requested.id, new Date().toISOString())).toBe(true);
    await ageEntry(requested.id, QUARANTINE_DAYS + 1);
    await ageEntry(expired.id, QUARANTINE_DAYS + 1);
    expect((await quarantineOf(OWNER)).find((candidate) => candidate.id === requested.id)).toMatchObject({ daysLeft: 0, expired: false });

    // An event-only session leaves the task entries alone.
    await harness.runSession({ kinds: ['event'], policy: { quarantineDays: QUARANTINE_DAYS } });
    expect(await harness.store.getQuarantineEntry(expired.id)).not.toBeNull();

    // Every kind in one session, the event kind first as in the engine: the task kind still finds its restore.
    await harness.runSession({ kinds: ['event', 'task'], policy: { quarantineDays: QUARANTINE_DAYS } });
    expect((await harness.records('Task')).map((record) => record.Subject)).toContain('Sign the lease');
    expect((await harness.store.getQuarantineEntry(requested.id))?.restoredAt).not.toBeNull();
    expect(await harness.store.getQuarantineEntry(expired.id)).toBeNull();
  });

  it('follows the org edit\'s quarantine days', async () => {
    const saved = await as(ADMIN).request('PUT', '/api/v1/org/settings', { body: { policy: { conflict: 'mailboxWins', quarantineDays: 3 } } });
    expect(saved.status, saved.text).toBe(200);
    try {
      const entry = await deleteTaskIntoQuarantine('Book the venue');
      const response = await as(OWNER).request('GET', `${mailboxPath()}/quarantine`);
      const body = response.body as { quarantineDays: number; quarantine: QuarantineJson[] };
      expect(body.quarantineDays).toBe(3);
      expect(body.quarantine.find((candidate) => candidate.id === entry.id)).toMatchObject({ daysLeft: 3, expired: false });
      await ageEntry(entry.id, 4);
      const refused = await as(OWNER).request('POST', `${mailboxPath()}/quarantine/${encodeURIComponent(entry.id)}/restore`);
      expect(refused.status).toBe(409);
      expect(errorOf(refused).code).toBe('quarantine_expired');
    } finally {
      expect((await as(ADMIN).request('PUT', '/api/v1/org/settings', { body: {} })).status).toBe(200);
    }
    expect(((await as(OWNER).request('GET', `${mailboxPath()}/quarantine`)).body as { quarantineDays: number }).quarantineDays).toBe(QUARANTINE_DAYS);
  });

  it('rejects deciding a changed held set', async () => {
    await Promise.allSettled(forced);
    forced.length = 0;
    const first = ['H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'H7', 'H8'];
    const later = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8'];
    for (const subject of [...first, ...later]) {
      harness.tasks.add(task(subject));
    }
    await harness.runSession({ kinds: ['task'] });
    const remove = (subjects: string[]): void => {
      const wanted = new Set(subjects);
      for (const stored of harness.tasks.all().filter((candidate) => wanted.has(candidate.item.subject))) {
        harness.tasks.remove(stored.id);
      }
    };
    const heldNow = async (): Promise<{ version: string; deletions: { id: string; title: string; decision: string | null }[] }> => {
      const listed = await as(ADMIN).request('GET', `${mailboxPath()}/held-deletions`);
      expect(listed.status).toBe(200);
      return listed.body as { version: string; deletions: { id: string; title: string; decision: string | null }[] };
    };
    remove(first);
    expect((await harness.runSession({ kinds: ['task'] })).status).toBe('needsReview');
    const seen = await heldNow();
    expect(seen.deletions.map((entry) => entry.title).sort()).toEqual([...first].sort());

    // Between the admin's read and the click, the next session holds more deletions back.
    remove(later);
    await harness.runSession({ kinds: ['task'] });
    const confirmed = await as(ADMIN).request('POST', `${mailboxPath()}/held-deletions/confirm`, { body: { version: seen.version } });
    expect(confirmed.status).toBe(409);
    expect(errorOf(confirmed)).toMatchObject({ code: 'held_deletions_changed', field: 'version', message: expect.stringContaining(`${first.length + later.length} are held now`) });
    const after = await heldNow();
    expect(after.deletions).toHaveLength(first.length + later.length);
    expect(after.deletions.every((entry) => entry.decision === null)).toBe(true);
    expect(forced).toHaveLength(0);

    // The same pairs held again keep their version, so a decision on the list read now goes through.
    await harness.runSession({ kinds: ['task'] });
    expect((await heldNow()).version).toBe(after.version);
    const rejected = await as(ADMIN).request('POST', `${mailboxPath()}/held-deletions/reject`, { body: { version: after.version } });
    expect(rejected.status, rejected.text).toBe(202);
    expect(rejected.body).toMatchObject({ deletions: first.length + later.length });
    await Promise.allSettled(forced);
  });

  it('returns 404 for out-of-range numbers', async () => {
    for (const seq of ['2147483648', '99999999999999999999999', '0']) {
      const response = await as(OWNER).request('POST', `${mailboxPath()}/conflicts/${encodeURIComponent(`${harness.mailbox.id}/task/${seq}`)}/undo`);
      expect(response.status, `seq ${seq}: ${response.text}`).toBe(404);
      expect(errorOf(response).field).toBe('conflictId');
    }
  });

  it('returns 404 for NUL in ids', async () => {
    const routes: [string, string][] = [
      ['POST', `${mailboxPath()}/quarantine/${encodeURIComponent('q\u0000x')}/restore`],
      ['POST', `${mailboxPath()}/conflicts/${encodeURIComponent(`${harness.mailbox.id}\u0000/task/1`)}/undo`],
      ['GET', `/api/v1/mailboxes/${encodeURIComponent('mbx\u0000')}/quarantine`],
      ['GET', `/api/v1/mailboxes/${encodeURIComponent('mbx\u0000')}`],
      ['POST', `/api/v1/mailboxes/${encodeURIComponent('mbx\u0000')}/force`],
    ];
    for (const [method, route] of routes) {
      const response = await as(ADMIN).request(method, route);
      expect(response.status, `${method} ${route}: ${response.text}`).toBe(404);
      expect(errorOf(response).message).toContain('NUL');
    }
  });
});
