import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSilentLogger } from '../src/observability/logger.ts';
import { openStore } from '../src/store/index.ts';
import { SchemaIntrospector } from '../src/store/schema-introspector.ts';
import { TEST_POSTGRES_URL } from './support/store-targets.ts';

// Another program's schema in the same database, changing its tables while stores migrate beside it, as
// graphile-worker does when a second worker process starts.
const run = `${process.pid}_${Date.now().toString(36)}`;
const OTHER = `syncline_other_${run}`;
const STORES = [1, 2, 3, 4, 5].map((index) => `syncline_mig_${run}_${index}`);

describe('a PostgreSQL store beside other schemas', () => {
  const pool = new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 2 });

  beforeAll(async () => {
    await pool.query(`create schema "${OTHER}"`);
    await pool.query(`create table "${OTHER}".queues (id serial primary key, name text)`);
  });

  afterAll(async () => {
    for (const schema of [OTHER, ...STORES]) {
      await pool.query(`drop schema if exists "${schema}" cascade`);
    }
    await pool.end();
  });

  it('migrates while another schema adds and drops columns', async () => {
    let churning = true;
    let changes = 0;
    const churn = (async () => {
      while (churning) {
        await pool.query(`alter table "${OTHER}".queues add column job_count int`);
        await pool.query(`alter table "${OTHER}".queues drop column job_count`);
        changes += 1;
      }
    })();

    try {
      for (const schema of STORES) {
        const store = await openStore({ kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema }, createSilentLogger());
        await store.close();
      }
    } finally {
      churning = false;
      await churn;
    }
    expect(changes).toBeGreaterThan(0);
  });

  it("lists only the store's own tables", async () => {
    const store = await openStore({ kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema: STORES[0] as string }, createSilentLogger());
    await store.close();

    const { Kysely, PostgresDialect } = await import('kysely');
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 1 }) }) });
    try {
      const tables = await new SchemaIntrospector(db, STORES[0] as string).getTables({ withInternalKyselyTables: true });
      const names = tables.map((table) => table.name);
      expect(names).toContain('sessions');
      expect(names).toContain('kysely_migration');
      expect(names).not.toContain('queues');
      expect(new Set(tables.map((table) => table.schema))).toEqual(new Set([STORES[0]]));
      const sessions = tables.find((table) => table.name === 'sessions');
      expect(sessions?.columns.map((column) => column.name)).toEqual(['id', 'mailbox_id', 'status', 'started_at', 'ended_at', 'report']);
    } finally {
      await db.destroy();
    }
  });
});
