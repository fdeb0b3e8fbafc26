/**
 * Bound parameters per statement. SQLite's limit is 32,766 (the default since 3.32) and PostgreSQL's 65,535;
 * staying under the lower one, with room for a few fixed parameters such as a mailbox id, lets one batch size
 * serve both.
 */
const MAX_PARAMETERS_PER_STATEMENT = 30_000;

/** Splits rows into batches whose multi-row insert stays under the parameter limit of both databases. */
export function inBatches<T>(rows: readonly T[], parametersPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS_PER_STATEMENT / parametersPerRow));
  const batches: T[][] = [];
  for (let start = 0; start < rows.length; start += size) {
    batches.push(rows.slice(start, start + size));
  }
  return batches;
}
