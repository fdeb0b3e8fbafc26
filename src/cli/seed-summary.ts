import type { SeedResult } from '../config/index.ts';

/** Format a count of events: `1 event`, `2 events`. */
export function countEvents(count: number): string {
  return `${count} ${count === 1 ? 'event' : 'events'}`;
}

/** Add up the instances of several seeding results (series masters are never counted). */
export function totalEvents(results: readonly SeedResult[]): number {
  return results.reduce((sum, result) => sum + result.events, 0);
}

/**
 * Describe one source in one line: how many events it gave and what became of them, e.g.
 * `team.ics: 11 events (added 2, updated 1, unchanged 8; 3 outside the sync window skipped)`.
 */
export function describeSeedResult(result: SeedResult): string {
  const outcomes = [
    ['added', result.added],
    ['updated', result.updated],
    ['unchanged', result.unchanged],
    ['removed', result.removed],
  ]
    .filter(([, count]) => count !== 0)
    .map(([label, count]) => `${label} ${count}`);

  const notes = [outcomes.join(', '), result.outsideWindow === 0 ? '' : `${result.outsideWindow} outside the sync window skipped`].filter((part) => part !== '');
  return notes.length === 0 ? `${result.file}: ${countEvents(result.events)}` : `${result.file}: ${countEvents(result.events)} (${notes.join('; ')})`;
}

/** Describe the totals of a seeding, always with both the added and the updated count. */
export function describeSeedTotals(results: readonly SeedResult[]): string {
  const sum = (pick: (result: SeedResult) => number) => results.reduce((total, result) => total + pick(result), 0);
  const parts = [`added ${sum((result) => result.added)}`, `updated ${sum((result) => result.updated)}`];
  const unchanged = sum((result) => result.unchanged);
  const removed = sum((result) => result.removed);
  if (unchanged > 0) parts.push(`unchanged ${unchanged}`);
  if (removed > 0) parts.push(`removed ${removed}`);
  return `${countEvents(totalEvents(results))} (${parts.join(', ')})`;
}
