import type { MailboxRecord } from '../domain/accounts.ts';
import { OBJECT_KINDS } from '../domain/link.ts';
import { requestUndo } from '../scheduler/review-requests.ts';
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
          `mailbox ${JSON.stringify(entry.mailboxValue)}, Salesforce ${JSON.stringify(entry.crmValue)}, kept the ${winner} value (${entry.reason}) [${entry.id}]`,
      );
    }
    return 0;
  } finally {
    await context.store.close();
  }
}

export interface ConflictUndoOptions {
  readonly json?: boolean;
  readonly config?: string;
  readonly dataDir?: string;
}

/**
 * `syncline conflicts undo ID`: requests the next session of the decision's mailbox to write the value that lost back to
 * both sides. The session records the undo in the ledger once both writes succeed. A decision is undone once.
 */
export async function runConflictUndo(id: string, options: ConflictUndoOptions, environment: CommandEnvironment): Promise<number> {
  const logger = createCliLogger();
  const context = await openStoreContext({ config: options.config, dataDir: options.dataDir, env: environment.env, cwd: environment.cwd, logger });
  try {
    const result = await requestUndo(context.store, id, new Date());
    if (result.kind === 'malformedId') {
      throw new UsageError(`'${id}' is not a conflict id; ids look like MAILBOX-ID/event/12, and \`syncline conflicts\` prints them in brackets`);
    }
    if (result.kind === 'notFound') {
      throw new UsageError(`No conflict decision has the id '${id}'; \`syncline conflicts\` lists the ids`);
    }
    if (result.kind === 'alreadyUndone') {
      throw new UsageError(`Conflict ${result.decision.id} was undone already by ${result.undoneBy}; undo that entry to bring the other value back`);
    }

    const { decision, side } = result;
    const requested = result.status === 'requested';
    const address = (await context.store.getMailbox(decision.mailboxId))?.address ?? decision.mailboxId;
    if (options.json) {
      environment.stdout(JSON.stringify({ undo: { id: decision.id, mailbox: address, syncId: decision.syncId, field: decision.field, side, status: requested ? 'requested' : 'alreadyRequested' } }));
      return 0;
    }
    const sideName = side === 'crm' ? 'Salesforce' : 'mailbox';
    environment.stdout(
      requested
        ? `Undo of conflict ${decision.id} requested: the next session of ${address} writes the ${sideName} value of ${decision.field} back to both sides`
        : `Undo of conflict ${decision.id} was requested already; the next session of ${address} applies it`,
    );
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

/** Return the mailboxes a command names: the one given by address or id, or every one. */
export function selectMailboxes(mailboxes: readonly MailboxRecord[], requested: string | undefined): readonly MailboxRecord[] {
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
