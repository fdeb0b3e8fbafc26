import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { SynclineDatabase } from './database.ts';

/** How long a writer waits for another process's write lock before SQLite reports SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

export function openSqliteDatabase(path: string): Kysely<SynclineDatabase> {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
  }

  const database = openFile(path);
  // WAL lets the dashboard read while a session commits; busy_timeout makes a second writer wait instead of fail.
  database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // SQLite leaves foreign keys off unless each connection turns them on.
  database.pragma('foreign_keys = ON');

  return new Kysely<SynclineDatabase>({ dialect: new SqliteDialect({ database }) });
}

function openFile(path: string): Database.Database {
  try {
    return new Database(path);
  } catch (error) {
    throw new Error(`Cannot open the SQLite store at "${path}": check that the path is writable`, { cause: error });
  }
}
