import type { SynclineConfig } from '../config/index.ts';
import { effectiveSettings, withOrgSections } from '../config/settings-edits.ts';
import type { MailboxRecord } from '../domain/accounts.ts';
import type { QuarantineEntry } from '../domain/sync-store.ts';
import { isQuarantineExpired, itemTitle, quarantineDaysLeft, requestRestore } from '../scheduler/review-requests.ts';
import { loadOrgEdit } from '../server/routes/settings-view.ts';
import type { SynclineStore } from '../store/index.ts';
import { defaultSyncPolicy } from '../sync/policy.ts';
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
 * reads the store. The text form shows each entry's id (what `restore` takes), its title and the days it stays
 * restorable; `--json` adds every value the item held.
 */
export async function runQuarantineList(mailboxArgument: string | undefined, options: QuarantineOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openStoreContext({ config: options.config, dataDir: options.dataDir, env: environment.env, cwd: environment.cwd, logger });
  try {
    const mailboxes = selectMailboxes(await context.store.listMailboxes(), mailboxArgument);
    const now = new Date();
    const entries: ListedEntry[] = [];
    for (const mailbox of mailboxes) {
      const days = await quarantineDaysOf(context.config, context.store, mailbox);
      entries.push(...(await context.store.listQuarantine(mailbox.id)).map((entry) => listed(entry, mailbox.address, days, now)));
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
    for (const [index, entry] of entries.entries()) {
      if (index > 0) {
        environment.stdout('');
      }
      environment.stdout(describeEntry(entry).join('\n'));
    }
    environment.stdout(`\nRestore an entry with \`syncline quarantine restore ID\`, ID being the entry id above.`);
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
    if (result.kind === 'expired') {
      throw new UsageError(`Quarantine entry ${result.entry.id} expired at ${result.expiredAt} (policy.quarantineDays) and can no longer be restored`);
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

type ListedEntry = QuarantineEntry & { readonly mailbox: string; readonly title: string | null; readonly quarantineDays: number; readonly daysLeft: number; readonly expired: boolean };

function listed(entry: QuarantineEntry, mailbox: string, days: number, now: Date): ListedEntry {
  const title = itemTitle(entry.values, '');
  return {
    mailbox,
    ...entry,
    title: title === '' ? null : title,
    quarantineDays: days,
    daysLeft: quarantineDaysLeft(entry, days, now),
    expired: entry.restoreRequestedAt === null && entry.restoredAt === null && isQuarantineExpired(entry, days, now),
  };
}

const KIND_NAMES: Readonly<Record<string, string>> = { event: 'calendar event', task: 'task', contact: 'contact' };

// Several labelled lines per entry: the id a person types into `restore` must not be mistaken for the item's id.
function describeEntry(entry: ListedEntry): string[] {
  const side = entry.side === 'crm' ? `Salesforce (record ${entry.itemId})` : `the mailbox ${entry.mailbox} (item ${entry.itemId})`;
  return [
    `Entry id:  ${entry.id}`,
    `  ${KIND_NAMES[entry.objectKind] ?? entry.objectKind}: ${entry.title === null ? '(no subject or name recorded)' : `"${entry.title}"`}`,
    `  Deleted from ${side} at ${entry.deletedAt}`,
    `  Why:       ${entry.reason}`,
    `  ${stateOf(entry)}`,
  ];
}

function stateOf(entry: ListedEntry): string {
  if (entry.restoredAt !== null) {
    return `Restored at ${entry.restoredAt}`;
  }
  if (entry.restoreRequestedAt !== null) {
    return 'Restore requested: the next session of the mailbox makes it again';
  }
  if (entry.expired) {
    return `Expired (policy.quarantineDays is ${entry.quarantineDays}): the next session purges it, and it can no longer be restored`;
  }
  return `Days left: ${entry.daysLeft} of ${entry.quarantineDays} (policy.quarantineDays)`;
}

/**
 * The quarantine days the mailbox's sessions purge with: the org's stored console edit over the configuration file,
 * as the API reports them. The sandbox has no file here, so only an edit or the default applies.
 */
async function quarantineDaysOf(config: SynclineConfig | null, store: SynclineStore, mailbox: MailboxRecord): Promise<number> {
  const { edit } = await loadOrgEdit(store, mailbox.orgId);
  const org = config?.orgs.find((candidate) => candidate.id === mailbox.orgId);
  if (org === undefined) {
    return edit.policy?.quarantineDays ?? defaultSyncPolicy.quarantineDays;
  }
  const setting = org.mailboxes.find((candidate) => candidate.id === mailbox.id);
  const effective = setting === undefined ? withOrgSections(org, edit) : effectiveSettings(org, setting, edit, null).org;
  return effective.policy.quarantineDays ?? defaultSyncPolicy.quarantineDays;
}
