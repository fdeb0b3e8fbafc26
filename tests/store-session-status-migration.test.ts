import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';

import { createSilentLogger } from '../src/observability/logger.ts';
import type { SynclineDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { migrationProvider } from '../src/store/migrations/index.ts';
import { ensureSchema, openPostgresDatabase } from '../src/store/open-postgres.ts';
import { openSqliteDatabase } from '../src/store/open-sqlite.ts';
import { TEST_POSTGRES_URL } from './support/store-targets.ts';

interface Opened {
  readonly db: Kysely<SynclineDatabase>;
  readonly schema?: string;
  readonly cleanup: () => Promise<void>;
}

async function openSqlite(): Promise<Opened> {
  const folder = mkdtempSync(path.join(tmpdir(), 'syncline-0015-'));
  const db = openSqliteDatabase(path.join(folder, 'syncline.db'));
  return {
    db,
    cleanup: async () => {
      await db.destroy();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<Opened> {
  const schema = `syncline_0015_${process.pid}_${Date.now().toString(36)}`;
  const db = openPostgresDatabase({ connectionString: TEST_POSTGRES_URL, schema }, createSilentLogger());
  await ensureSchema(db, schema, TEST_POSTGRES_URL);
  return {
    db,
    schema,
    cleanup: async () => {
      await sql.raw(`drop schema if exists "${schema}" cascade`).execute(db);
      await db.destroy();
    },
  };
}

describe.each([
  { name: 'sqlite', open: openSqlite },
  { name: 'postgres', open: openPostgres },
])('sessions recorded before statuses were renamed, on $name', ({ open }) => {
  let opened: Opened | undefined;

  afterEach(async () => {
    await opened?.cleanup();
  });

  it("reads a session that applied everything as 'ok'", async () => {
    opened = await open();
    const { db, schema } = opened;
    const migrator = new Migrator({ db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
    expect((await migrator.migrateTo('0014-quarantine')).error).toBeUndefined();

    await sql`insert into orgs (id, name) values ('org-1', 'Contoso')`.execute(db);
    await sql`insert into mailboxes (id, org_id, kind, address, time_zone) values ('mbx-1', 'org-1', 'graph', 'a@contoso.example', 'Europe/Berlin')`.execute(db);
    const report = (status: string) => JSON.stringify({ status, kinds: [{ kind: 'event', status }] });
    await sql`insert into sessions (id, mailbox_id, status, started_at, ended_at, report) values
      ('s-1', 'mbx-1', 'success', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', ${report('success')}),
      ('s-2', 'mbx-1', 'partial', '2026-01-02T00:00:00Z', '2026-01-02T00:01:00Z', ${report('partial')})`.execute(db);
    await sql`insert into mailbox_schedules (mailbox_id, state, next_session_at, last_status, failure_count) values ('mbx-1', 'active', '2026-01-03T00:00:00Z', 'success', 0)`.execute(db);

    await migrateToLatest(db, createSilentLogger(), schema);

    const sessions = await sql<{ id: string; status: string; report: string }>`select id, status, report from sessions order by id`.execute(db);
    expect(sessions.rows.map((row) => [row.id, row.status, JSON.parse(row.report)])).toEqual([
      ['s-1', 'ok', { status: 'ok', kinds: [{ kind: 'event', status: 'ok' }] }],
      ['s-2', 'partial', { status: 'partial', kinds: [{ kind: 'event', status: 'partial' }] }],
    ]);
    const schedules = await sql<{ last_status: string }>`select last_status from mailbox_schedules`.execute(db);
    expect(schedules.rows).toEqual([{ last_status: 'ok' }]);
  });
});
