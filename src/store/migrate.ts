import { Migrator, type Kysely } from 'kysely';
import type { Logger } from '../observability/logger.ts';
import type { SynclineDatabase } from './database.ts';
import { migrationProvider } from './migrations/index.ts';

/**
 * Applies pending migrations and leaves a store that is up to date alone. `migrationSchema` pins Kysely's
 * migration tables to the store's PostgreSQL schema. Kysely 0.28 looks them up by name across every schema, so
 * without it a store in a new schema would take another schema's migration tables as its own.
 */
export async function migrateToLatest(
  db: Kysely<SynclineDatabase>,
  logger: Logger,
  migrationSchema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(migrationSchema === undefined ? {} : { migrationTableSchema: migrationSchema }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();

  for (const result of results) {
    if (result.status === 'Success') {
      logger.info({ migration: result.migrationName }, 'applied store migration');
    }
  }

  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'before any migration ran';
    // The cause names what to fix (a refused connection, too many clients, a missing privilege); it carries no password.
    const reason = error instanceof Error ? `: ${error.message}` : '';
    throw new Error(`Store migration failed (${failed})${reason}. The store stays at the last migration that succeeded; fix the cause and reopen it`, {
      cause: error,
    });
  }
}
