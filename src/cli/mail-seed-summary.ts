import type { MailSeedResult } from '../config/index.ts';
import type { CommandEnvironment } from './command-environment.ts';

/** Format a count of emails: `1 email`, `2 emails`. */
function countEmails(count: number): string {
  return `${count} ${count === 1 ? 'email' : 'emails'}`;
}

/**
 * Describe one .eml file in one line with the message's mailbox id, which `POST /api/v1/emails/save` takes, e.g.
 * `po-4711.eml: added to Salesforce (message id AAMk…)`.
 */
export function describeMailSeedResult(result: MailSeedResult): string {
  const where = result.outcome === 'added' ? `added to ${result.folder}` : `${result.outcome} (in ${result.folder})`;
  return `${result.file}: ${where} (message id ${result.id})`;
}

/** Describe the totals of a seeding, e.g. `3 emails (added 2, updated 0, unchanged 1)`. */
export function describeMailSeedTotals(results: readonly MailSeedResult[]): string {
  const count = (outcome: MailSeedResult['outcome']) => results.filter((result) => result.outcome === outcome).length;
  return `${countEmails(results.length)} (added ${count('added')}, updated ${count('updated')}, unchanged ${count('unchanged')})`;
}

/** Print one line per .eml file and its warnings below it. */
export function printMailSeedResults(results: readonly MailSeedResult[], environment: CommandEnvironment): void {
  for (const result of results) {
    environment.stdout(`  ${describeMailSeedResult(result)}`);
    for (const warning of result.warnings) {
      environment.stdout(`    warning: ${warning}`);
    }
  }
}
