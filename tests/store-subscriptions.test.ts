import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../src/observability/logger.ts';
import type { SynclineStore } from '../src/store/index.ts';
import type { SynclineDatabase } from '../src/store/database.ts';
import { listMailboxSubscriptions } from '../src/store/mailbox-subscriptions.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { migrationProvider } from '../src/store/migrations/index.ts';
import { ensureSchema, openPostgresDatabase } from '../src/store/open-postgres.ts';
import { openSqliteDatabase } from '../src/store/open-sqlite.ts';
import { postgresSchemaTarget, sqliteFileTarget, TEST_POSTGRES_URL, type StoreTarget } from './support/store-targets.ts';

const TARGETS = [
  { name: 'sqlite', makeTarget: sqliteFileTarget },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
];

function subscription(mailboxId: string, resource: string, subscriptionId: string) {
  return { mailboxId, resource, subscriptionId, clientState: `state-${subscriptionId}`, changeTypes: ['created', 'updated'], expiresAt: '2026-05-08T10:00:00.000Z' };
}

describe.each(TARGETS)('subscriptions on $name', ({ makeTarget }) => {
  let target: StoreTarget;
  let store: SynclineStore;

  beforeAll(async () => {
    target = makeTarget();
    store = await target.open();
    await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
    for (const id of ['mbx-1', 'mbx-2']) {
      await store.upsertMailbox({ id, orgId: 'org-1', kind: 'graph', address: `${id}@contoso.example`, timeZone: 'Europe/Berlin' });
    }
  });

  afterAll(async () => {
    await store.close();
    await target.dispose();
  });

  it('keeps one subscription per resource', async () => {
    await store.saveMailboxSubscription(subscription('mbx-1', 'inbox', 'sub-inbox'));
    await store.saveMailboxSubscription(subscription('mbx-1', 'events', 'sub-events'));
    await store.saveMailboxSubscription({ ...subscription('mbx-1', 'events', 'sub-events-2'), changeTypes: ['deleted'] });

    const listed = await store.listMailboxSubscriptions('mbx-1');

    expect(listed.map((entry) => [entry.resource, entry.subscriptionId])).toEqual([
      ['events', 'sub-events-2'],
      ['inbox', 'sub-inbox'],
    ]);
    expect((await store.loadMailboxSubscription('mbx-1', 'events'))?.changeTypes).toEqual(['deleted']);
    expect((await store.findMailboxSubscription('sub-inbox'))?.resource).toBe('inbox');
    expect(await store.findMailboxSubscription('sub-events')).toBeNull();
  });

  it('deletes one resource only', async () => {
    await store.saveMailboxSubscription(subscription('mbx-2', 'events', 'sub-2-events'));
    await store.saveMailboxSubscription(subscription('mbx-2', 'sentItems', 'sub-2-sent'));

    await store.deleteMailboxSubscription('mbx-2', 'events');

    expect((await store.listMailboxSubscriptions('mbx-2')).map((entry) => entry.resource)).toEqual(['sentItems']);
    expect(await store.loadMailboxSubscription('mbx-2', 'events')).toBeNull();
  });

  it('rejects a subscription id twice', async () => {
    await store.saveMailboxSubscription(subscription('mbx-1', 'sentItems', 'sub-shared'));

    await expect(store.saveMailboxSubscription(subscription('mbx-2', 'inbox', 'sub-shared'))).rejects.toThrow();
  });
});

describe.each(TARGETS)('migration 0011 on $name', ({ name }) => {
  let db: Kysely<SynclineDatabase>;
  let cleanup: () => Promise<void>;
  let migrationSchema: string | undefined;

  beforeAll(async () => {
    if (name === 'sqlite') {
      const folder = mkdtempSync(path.join(tmpdir(), 'syncline-0011-'));
      db = openSqliteDatabase(path.join(folder, 'syncline.db'));
      cleanup = async () => {
        await db.destroy();
        rmSync(folder, { recursive: true, force: true });
      };
      return;
    }

    migrationSchema = `syncline_0011_${process.pid}_${Date.now().toString(36)}`;
    db = openPostgresDatabase({ connectionString: TEST_POSTGRES_URL, schema: migrationSchema }, createSilentLogger());
    await ensureSchema(db, migrationSchema, TEST_POSTGRES_URL);
    cleanup = async () => {
      await sql.raw(`drop schema if exists "${migrationSchema}" cascade`).execute(db);
      await db.destroy();
    };
  });

  afterAll(async () => {
    await cleanup();
  });

  it('keeps rows as calendar subscriptions', async () => {
    const migrator = new Migrator({ db, provider: migrationProvider, ...(migrationSchema === undefined ? {} : { migrationTableSchema: migrationSchema }) });
    const before = await migrator.migrateTo('0008-schedule-due-at');
    expect(before.error).toBeUndefined();
    await sql`insert into orgs (id, name) values ('org-1', 'Contoso')`.execute(db);
    await sql`insert into mailboxes (id, org_id, kind, address, time_zone) values ('mbx-1', 'org-1', 'graph', 'a@contoso.example', 'Europe/Berlin')`.execute(db);
    await sql`insert into mailbox_subscriptions (mailbox_id, subscription_id, client_state, change_types, expires_at, updated_at)
      values ('mbx-1', 'sub-old', 'secret', 'created,updated', '2026-05-08T10:00:00.000Z', '2026-05-01T00:00:00.000Z')`.execute(db);

    await migrateToLatest(db, createSilentLogger(), migrationSchema);

    expect(await listMailboxSubscriptions(db, 'mbx-1')).toEqual([
      { mailboxId: 'mbx-1', resource: 'events', subscriptionId: 'sub-old', clientState: 'secret', changeTypes: ['created', 'updated'], expiresAt: '2026-05-08T10:00:00.000Z' },
    ]);
  });
});
