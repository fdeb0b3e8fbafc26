import type { HeldDeletion } from '../domain/sync-store.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { selectMailboxes } from './conflicts-command.ts';
import { openStoreContext } from './store-context.ts';
import { UsageError } from './usage-error.ts';

export interface DeletionsOptions {
  readonly json?: boolean;
  readonly config?: string;
  readonly dataDir?: string;
}

const DECISION_TEXT = {
  none: 'waiting for confirm or reject',
  confirm: 'confirmed: the next session deletes it',
  reject: 'rejected: the next session makes the deleted item again',
} as const;

/** `syncline deletions [MAILBOX] [--json]`: list the deletions the mass-delete breaker held back, with any decision. */
export async function runDeletionsList(mailboxArgument: string | undefined, options: DeletionsOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openStoreContext({ config: options.config, dataDir: options.dataDir, env: environment.env, cwd: environment.cwd, logger });
  try {
    const mailboxes = selectMailboxes(await context.store.listMailboxes(), mailboxArgument);
    const entries: (HeldDeletion & { readonly mailbox: string })[] = [];
    for (const mailbox of mailboxes) {
      entries.push(...(await context.store.listHeldDeletions(mailbox.id)).map((held) => ({ mailbox: mailbox.address, ...held })));
    }

    if (options.json) {
      environment.stdout(JSON.stringify({ deletions: entries }));
      return 0;
    }
    if (entries.length === 0) {
      environment.stdout('No deletions are held back');
      return 0;
    }
    for (const held of entries) {
      const where = held.side === 'crm' ? 'Salesforce record' : 'mailbox item';
      environment.stdout(`${held.heldAt} ${held.mailbox} ${held.objectKind} ${held.syncId}: ${where} ${held.itemId}, ${DECISION_TEXT[held.decision ?? 'none']}`);
    }
    return 0;
  } finally {
    await context.store.close();
  }
}

/**
 * `syncline deletions confirm MAILBOX` and `syncline deletions reject MAILBOX`: the admin's decision on every
 * deletion the breaker holds back for the mailbox. The next session makes confirmed deletions (past the breaker)
 * and, for rejected ones, makes the deleted items again from the other side and keeps the pairs linked.
 */
export async function runDeletionsDecision(decision: 'confirm' | 'reject', mailboxArgument: string, options: DeletionsOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openStoreContext({ config: options.config, dataDir: options.dataDir, env: environment.env, cwd: environment.cwd, logger });
  try {
    const [mailbox] = selectMailboxes(await context.store.listMailboxes(), mailboxArgument);
    if (mailbox === undefined) {
      throw new UsageError(`No mailbox has the address or id '${mailboxArgument}'; \`syncline status\` lists them`);
    }
    const count = await context.store.decideHeldDeletions(mailbox.id, decision);
    if (options.json) {
      environment.stdout(JSON.stringify({ mailbox: mailbox.address, decision, deletions: count }));
      return 0;
    }
    if (count === 0) {
      environment.stdout(`No deletions are held back for ${mailbox.address}; nothing to ${decision}`);
      return 0;
    }
    const effect = decision === 'confirm' ? 'makes them' : 'makes the deleted items again and keeps the pairs linked';
    environment.stdout(`${decision === 'confirm' ? 'Confirmed' : 'Rejected'} ${count} held deletions of ${mailbox.address}: the next session ${effect} (\`syncline force ${mailbox.address}\` runs it now)`);
    return 0;
  } finally {
    await context.store.close();
  }
}
