import type { ContactSeedResult, SampleItems } from '../config/index.ts';
import type { CommandEnvironment } from './command-environment.ts';

/** Format a count of contacts: `1 contact`, `2 contacts`. */
function countContacts(count: number): string {
  return `${count} ${count === 1 ? 'contact' : 'contacts'}`;
}

/**
 * Describe one .vcf file in one line, e.g.
 * `team.vcf: 3 cards (added 2, unchanged 1; 1 skipped)`.
 */
function describeContactSeedResult(result: ContactSeedResult): string {
  const outcomes = (
    [
      ['added', result.added],
      ['updated', result.updated],
      ['unchanged', result.unchanged],
    ] as const
  )
    .filter(([, count]) => count !== 0)
    .map(([label, count]) => `${label} ${count}`);
  const notes = [outcomes.join(', '), result.skipped === 0 ? '' : `${result.skipped} skipped`].filter((part) => part !== '');
  const cards = `${result.cards} ${result.cards === 1 ? 'card' : 'cards'}`;
  return notes.length === 0 ? `${result.file}: ${cards}` : `${result.file}: ${cards} (${notes.join('; ')})`;
}

/** Describe the totals of a .vcf seeding, always with both the added and the updated count. */
export function describeContactSeedTotals(results: readonly ContactSeedResult[]): string {
  const sum = (pick: (result: ContactSeedResult) => number) => results.reduce((total, result) => total + pick(result), 0);
  const imported = sum((result) => result.added + result.updated + result.unchanged);
  const parts = [`added ${sum((result) => result.added)}`, `updated ${sum((result) => result.updated)}`];
  const unchanged = sum((result) => result.unchanged);
  const skipped = sum((result) => result.skipped);
  if (unchanged > 0) parts.push(`unchanged ${unchanged}`);
  if (skipped > 0) parts.push(`skipped ${skipped}`);
  return `${countContacts(imported)} (${parts.join(', ')})`;
}

/** Print one line per .vcf file with its warnings below it. */
export function printContactSeedResults(results: readonly ContactSeedResult[], environment: CommandEnvironment): void {
  for (const result of results) {
    environment.stdout(`  ${describeContactSeedResult(result)}`);
    for (const warning of result.warnings) {
      environment.stdout(`    warning: ${warning}`);
    }
  }
}

/** Print what seeding the sample contacts and tasks added, on both sides. */
export function printSampleItems(items: SampleItems | null, environment: CommandEnvironment): void {
  if (items === null) {
    return;
  }

  environment.stdout(`  Sample contacts: ${describeContactSeedTotals(items.contacts)}`);
  printContactSeedResults(items.contacts, environment);
  const tasks = (count: number) => `${count} ${count === 1 ? 'task' : 'tasks'}`;
  environment.stdout(`  Sample To Do tasks: ${tasks(items.todoTasks)} added`);
  environment.stdout(`  Salesforce only: ${tasks(items.salesforceTasks)} and ${countContacts(items.salesforceContacts)} added`);
}
