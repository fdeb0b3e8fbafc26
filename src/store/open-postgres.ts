import { CompiledQuery, Kysely } from 'kysely';
import pg from 'pg';
import type { Logger } from '../observability/logger.ts';
import type { SynclineDatabase } from './database.ts';
import { SchemaScopedPostgresDialect } from './schema-introspector.ts';
import { isUniqueViolation } from './unique-violation.ts';

const POOL_SIZE = 10;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresTarget {
  readonly connectionString: string;
  readonly schema: string;
}

/**
 * Opens a pool whose connections all resolve unqualified table names in `schema`, so the queries and the
 * migrations stay free of schema names and a test can run in a throwaway schema.
 */
export function openPostgresDatabase(target: PostgresTarget, logger: Logger): Kysely<SynclineDatabase> {
  assertSchemaName(target.schema);

  const pool = new pg.Pool({ connectionString: target.connectionString, max: POOL_SIZE });
  // An idle client whose server goes away emits 'error' on the pool; without a listener Node ends the process.
  pool.on('error', (error) => {
    logger.warn({ err: { message: error.message } }, 'an idle PostgreSQL connection of the store failed');
  });

  const dialect = new SchemaScopedPostgresDialect(
    {
      pool,
      onCreateConnection: async (connection) => {
        // Safe to splice: assertSchemaName allows only letters, digits and underscores.
        await connection.executeQuery(CompiledQuery.raw(`set search_path to "${target.schema}"`));
      },
    },
    target.schema,
  );
  return new Kysely<SynclineDatabase>({ dialect });
}

/** Creates the schema when missing; run once before the migrations. */
export async function ensureSchema(db: Kysely<SynclineDatabase>, schema: string, connectionString: string): Promise<void> {
  try {
    await db.schema.createSchema(schema).ifNotExists().execute();
  } catch (error) {
    // Two processes starting together can both pass the IF NOT EXISTS check. The slower one then gets a duplicate
    // key error, and the schema exists.
    if (isUniqueViolation(error)) {
      return;
    }
    // The server's reason (no user name given, a refused password) names what to fix; it carries no password.
    const reason = error instanceof Error ? ` (${error.message})` : '';
    throw new Error(
      `Failed to create schema "${schema}" on PostgreSQL at ${describeServer(connectionString)}${reason}: ` +
        'check that the server runs, the connection string is right and the user may create schemas',
      { cause: error },
    );
  }
}

function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `PostgreSQL schema "${schema}" is not a plain lower-case name: use letters, digits and underscores only`,
    );
  }
}

/** Host, port and database of a connection string, without the user's password, for error messages. */
function describeServer(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured connection string';
  }
}
