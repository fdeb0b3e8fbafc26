import type { QuarantineEntry } from '../domain/sync-store.ts';
import { requestRestore } from '../scheduler/review-requests.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { selectMailboxes } from './conflicts-command.ts';
import { openStoreContext } from './store-context.ts';
import { UsageError } from './usage-error.ts';

export interface QuarantineOptions {
  readonly json?: boolean;
  readonly config?: string;
  readonly dataDir?: string;
}

/**
 * `syncline quarantine [MAILBOX] [--json]`: the items sessions deleted and keep restorable, newest first. It only
 * reads the store. The text form leaves the items' values out; `--json` includes them.
 */
export async function runQuarantineList(mailboxArgument: string | undefined, options: QuarantineOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openStoreContext({ config: options.config, dataDir: options.dataDir, env: environment.env, cwd: environment.cwd, logger });
  try {
    const mailboxes = selectMailboxes(await context.store.listMailboxes(), mailboxArgument);
    const entries: (QuarantineEntry & { readonly mailbox: string })[] = [];
    for (const mailbox of mailboxes) {
      entries.push(...(await context.store.listQuarantine(mailbox.id)).map((entry) => ({ mailbox: mailbox.address, ...entry })));
    }
    entries.sort((left, right) => right.deletedAt.localeCompare(left.deletedAt));

    if (options.json) {
      environment.stdout(JSON.stringify({ quarantine: entries }));
      return 0;
    }
    if (entries.length === 0) {
      environment.stdout('The quarantine is empty');
      return 0;
    }
    for (const entry of entries) {
      const where = entry.side === 'crm' ? 'Salesforce record' : 'mailbox item';
      environment.stdout(`${entry.deletedAt} ${entry.mailbox} ${entry.objectKind} ${entry.id}: deleted ${where} ${entry.itemId} (${entry.reason})${stateOf(entry)}`);
    }
    return 0;
  } finally {
    await context.store.close();
  }
}

/**
 * `syncline quarantine restore ID`: requests the next session of the entry's mailbox to make the item again on the side
 * it was deleted from, with the values it held, and to link it again under a tombstone (its counterpart is gone).
 */
export async function runQuarantineRestore(id: string, options: QuarantineOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openStoreContext({ config: options.config, dataDir: options.dataDir, env: environment.env, cwd: environment.cwd, logger });
  try {
    const result = await requestRestore(context.store, id, new Date());
    if (result.kind === 'notFound') {
      throw new UsageError(`No quarantine entry has the id '${id}'; \`syncline quarantine\` lists them (entries are purged after policy.quarantineDays)`);
    }
    if (result.kind === 'alreadyRestored') {
      throw new UsageError(`Quarantine entry ${result.entry.id} was restored at ${result.restoredAt}; there is nothing left to restore`);
    }
    const { entry } = result;
    const requested = result.status === 'requested';
    const address = (await context.store.getMailbox(entry.mailboxId))?.address ?? entry.mailboxId;
    if (options.json) {
      environment.stdout(JSON.stringify({ restore: { id: entry.id, mailbox: address, objectKind: entry.objectKind, side: entry.side, status: requested ? 'requested' : 'alreadyRequested' } }));
      return 0;
    }
    const where = entry.side === 'crm' ? 'in Salesforce' : 'in the mailbox';
    environment.stdout(
      requested
        ? `Restore of ${entry.id} requested: the next session of ${address} makes the ${entry.objectKind} again ${where} (\`syncline force ${address}\` runs it now)`
        : `Restore of ${entry.id} was requested already; the next session of ${address} makes it`,
    );
    return 0;
  } finally {
    await context.store.close();
  }
}

function stateOf(entry: QuarantineEntry): string {
  if (entry.restoredAt !== null) {
    return `; restored at ${entry.restoredAt}`;
  }
  return entry.restoreRequestedAt === null ? '' : '; restore requested';
}
