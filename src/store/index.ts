import { createLogger, type Logger } from '../observability/logger.ts';
import { KyselyStore } from './kysely-store.ts';
import { ensureSchema, openPostgresDatabase } from './open-postgres.ts';
import { openSqliteDatabase } from './open-sqlite.ts';
import type { StoreOptions, SynclineStore } from './syncline-store.ts';

export type { StoreOptions, SynclineStore } from './syncline-store.ts';
export type { MailboxSubscription } from './mailbox-subscriptions.ts';
export type { SettingsEdit, SettingsEditStore } from './settings-edits.ts';
export { parseConflictId, type RecordedConflict } from './conflict-ledger.ts';

const DEFAULT_POSTGRES_SCHEMA = 'public';

/** Opens the store and brings its schema up to date; on failure nothing is left open. */
export async function openStore(options: StoreOptions, logger: Logger = createLogger()): Promise<SynclineStore> {
  const storeLogger = logger.child({ component: 'store', dialect: options.kind });
  const store = await connect(options, storeLogger);

  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function connect(options: StoreOptions, logger: Logger): Promise<KyselyStore> {
  if (options.kind === 'sqlite') {
    return new KyselyStore(openSqliteDatabase(options.path), logger);
  }

  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const db = openPostgresDatabase({ connectionString: options.connectionString, schema }, logger);
  try {
    await ensureSchema(db, schema, options.connectionString);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStore(db, logger, schema);
}
