/** PostgreSQL's SQLSTATE for a duplicate key in a unique index or primary key. */
const POSTGRES_UNIQUE_VIOLATION = '23505';
/** better-sqlite3's extended result codes for the same. */
const SQLITE_UNIQUE_VIOLATIONS: readonly string[] = ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'];

/** Returns true when the database rejected a row because a unique index or primary key already contains its key. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) {
    return false;
  }
  const code = (error as { code: unknown }).code;
  return code === POSTGRES_UNIQUE_VIOLATION || (typeof code === 'string' && SQLITE_UNIQUE_VIOLATIONS.includes(code));
}
