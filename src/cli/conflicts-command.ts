import type { MailboxRecord } from '../domain/accounts.ts';
import { OBJECT_KINDS } from '../domain/link.ts';
import type { RecordedConflict } from '../store/index.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { openStoreContext } from './store-context.ts';
import { UsageError } from './usage-error.ts';

export interface ConflictsOptions {
  readonly json?: boolean;
  readonly limit?: string;
  readonly config?: string;
  readonly dataDir?: string;
}

/** Decisions printed per mailbox and object kind when `--limit` is not given. */
const DEFAULT_LIMIT = 50;

/**
 * `syncline conflicts [MAILBOX] [--json]`: the conflict ledger of one mailbox or of all, newest first. Each entry is
 * a field both sides changed since the base, with both values, the winner and why it won. It only reads the store.
 */
export async function runConflicts(mailboxArgument: string | undefined, options: ConflictsOptions, environment: CommandEnvironment): Promise<number> {
  const limit = parseLimit(options.limit);
  const logger = createCliLogger();
  const context = await openStoreContext({ config: options.config, dataDir: options.dataDir, env: environment.env, cwd: environment.cwd, logger });
  try {
    const mailboxes = selectMailboxes(await context.store.listMailboxes(), mailboxArgument);
    const entries: (RecordedConflict & { readonly mailbox: string })[] = [];
    for (const mailbox of mailboxes) {
      for (const kind of OBJECT_KINDS) {
        const decisions = await context.store.listConflicts(mailbox.id, kind, limit);
        entries.push(...decisions.map((decision) => ({ mailbox: mailbox.address, ...decision })));
      }
    }
    entries.sort((left, right) => right.createdAt.localeCompare(left.createdAt));

    if (options.json) {
      environment.stdout(JSON.stringify({ conflicts: entries }));
      return 0;
    }
    if (entries.length === 0) {
      environment.stdout('No conflicts recorded');
      return 0;
    }
    for (const entry of entries) {
      const winner = entry.winner === 'crm' ? 'Salesforce' : 'mailbox';
      environment.stdout(
        `${entry.createdAt} ${entry.mailbox} ${entry.objectKind} ${entry.syncId} ${entry.field}: ` +
          `mailbox ${JSON.stringify(entry.mailboxValue)}, Salesforce ${JSON.stringify(entry.crmValue)}, kept the ${winner} value (${entry.reason})`,
      );
    }
    return 0;
  } finally {
    await context.store.close();
  }
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) {
    return DEFAULT_LIMIT;
  }
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit ${text} is not a whole number of 1 or more; pass how many decisions to print per mailbox and object kind`);
  }
  return limit;
}

function selectMailboxes(mailboxes: readonly MailboxRecord[], requested: string | undefined): readonly MailboxRecord[] {
  if (requested === undefined) {
    return mailboxes;
  }
  const key = requested.trim().toLowerCase();
  const match = mailboxes.filter((mailbox) => mailbox.id === requested || mailbox.address.toLowerCase() === key);
  if (match.length === 0) {
    throw new UsageError(`No mailbox has the address or id '${requested}'; \`syncline status\` lists them (a mailbox appears after its first session)`);
  }
  return match;
}
