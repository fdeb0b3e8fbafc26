import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type StoreOptions, type SynclineStore } from '../../src/store/index.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';

/** A place a store lives during one test file: created on demand, removed by dispose. */
export interface StoreTarget {
  /** Opens a store on the target; calling it again opens a second store on the same data. */
  open(): Promise<SynclineStore>;
  dispose(): Promise<void>;
}

export const TEST_POSTGRES_URL = process.env.SYNCLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function sqliteFileTarget(): StoreTarget {
  let folder: string | undefined;
  const options = (): StoreOptions => {
    folder ??= mkdtempSync(join(tmpdir(), 'syncline-store-'));
    return { kind: 'sqlite', path: join(folder, 'syncline.db') };
  };
  return {
    open: () => openStore(options(), createSilentLogger()),
    dispose: async () => {
      if (folder) {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

/** Creates a target in a throwaway schema per run, dropped by dispose, so runs never see each other's rows. */
export function postgresSchemaTarget(): StoreTarget {
  const schema = `syncline_test_${process.pid}_${Date.now().toString(36)}`;
  return {
    open: async () => {
      await assertPostgresReachable();
      return openStore({ kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema }, createSilentLogger());
    },
    dispose: async () => {
      await withClient((client) => client.query(`drop schema if exists "${schema}" cascade`));
    },
  };
}

/** CI always has PostgreSQL, so an unreachable server fails the suite with advice instead of skipping it. */
async function assertPostgresReachable(): Promise<void> {
  try {
    await withClient((client) => client.query('select 1'));
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')}: start it ` +
        '(trust auth, database "test") or point SYNCLINE_TEST_POSTGRES_URL at one',
      { cause: error },
    );
  }
}

async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
