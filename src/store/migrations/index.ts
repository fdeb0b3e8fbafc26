import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.ts';
import * as streamPositions from './0002-stream-positions.ts';
import * as sessionLeases from './0003-session-leases.ts';

/**
 * Every migration, in order. Listed in code rather than read from a folder so the store works the same from
 * source, from a bundle and under tsx. Names sort in the order they must run; never rename one once released.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-stream-positions': streamPositions,
  '0003-session-leases': sessionLeases,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
