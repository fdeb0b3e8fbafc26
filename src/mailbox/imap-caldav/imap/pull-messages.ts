import type { ImapFlow, MailboxObject } from 'imapflow';
import type { Change, PullResult } from '../../../domain/connector.ts';
import type { FolderRole, MailMessage, MessageScope } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { classifyImapError } from './classify-imap-error.ts';
import { fetchSnapshots } from './fetch-messages.ts';
import { hasCondstore, withImap, type ImapContext } from './imap-connection.ts';
import { cursorExpired, decodeImapCursor, encodeImapCursor, type FolderPosition, type ImapCursor } from './imap-cursor.ts';
import { resolveFolders } from './imap-folders.ts';

/** Folder roles in the order they are read; a message moved while the pull runs ends as the later read saw it. */
const READ_ORDER: readonly FolderRole[] = ['inbox', 'sent', 'drafts', 'salesforce'];

interface FolderRound {
  readonly role: FolderRole;
  readonly position: FolderPosition;
  readonly changes: Change<MailMessage>[];
  readonly full: boolean;
}

/**
 * Read every folder of the scope from its stored position: with CONDSTORE the messages whose MODSEQ passed the
 * stored HIGHESTMODSEQ, without it the UIDs above the stored UIDNEXT and the messages newly carrying the keyword.
 * A folder without a position is listed from `scope.since` on. A changed UIDVALIDITY expires the whole cursor.
 */
export async function pullMessages(ctx: ImapContext, cursor: string | null, scope: MessageScope): Promise<PullResult<MailMessage>> {
  const stored: ImapCursor = cursor === null ? { folders: {}, salesforceFolderName: null } : decodeImapCursor(cursor);
  if (ctx.salesforceFolderName === null) {
    ctx.salesforceFolderName = stored.salesforceFolderName;
  }
  const roles = scopeRoles(scope);
  const since = sinceDate(scope.since);

  const rounds = await withImap(ctx, async (client) => {
    const folders = await resolveFolders(ctx, client, roles);
    const result: FolderRound[] = [];
    for (const role of READ_ORDER.filter((candidate) => folders.has(candidate))) {
      const round = await readFolder(ctx, client, role, folders.get(role) as string, stored.folders[role] ?? null, since, scope.readBodies ?? 'all');
      if (round !== null) {
        result.push(round);
      }
    }
    return result;
  });

  const changes = rounds.flatMap((round) => round.changes);
  const next: ImapCursor = {
    folders: Object.fromEntries(rounds.map((round) => [round.role, round.position])),
    salesforceFolderName: ctx.salesforceFolderName,
  };
  ctx.logger.debug({ folders: rounds.length, changes: changes.length }, 'IMAP folders pulled');
  return { changes, nextCursor: encodeImapCursor(next), isFullListing: rounds.every((round) => round.full) };
}

function scopeRoles(scope: MessageScope): FolderRole[] {
  if (scope.folders.includes('other')) {
    throw new ConnectorError({
      kind: 'bug',
      code: 'FolderRoleNotWatchable',
      message: "the folder role 'other' cannot be watched: list inbox, sent, drafts or salesforce in the scope",
    });
  }
  return [...new Set(scope.folders)];
}

function sinceDate(since: string): Date {
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) {
    throw new Error(`scope.since "${since}" is not an ISO instant; pass one such as 2026-11-01T00:00:00Z`);
  }
  return new Date(ms);
}

/** Read one folder; null when it vanished between LIST and SELECT (a Salesforce folder someone deleted). */
async function readFolder(
  ctx: ImapContext,
  client: ImapFlow,
  role: FolderRole,
  path: string,
  stored: FolderPosition | null,
  since: Date,
  bodies: 'all' | 'marked',
): Promise<FolderRound | null> {
  ctx.calls += 1;
  let lock;
  try {
    lock = await client.getMailboxLock(path, { readOnly: true });
  } catch (error) {
    if (role === 'salesforce' && classifyImapError(error).kind === 'notFound') {
      return null;
    }
    throw error;
  }

  try {
    const mailbox = client.mailbox as MailboxObject;
    const uidValidity = mailbox.uidValidity.toString();
    const previous = stored !== null && stored.path === path ? stored : null;
    if (previous !== null && previous.uidValidity !== uidValidity) {
      throw cursorExpired('UidValidityChanged', `UIDVALIDITY of folder ${path} changed from ${previous.uidValidity} to ${uidValidity}`);
    }

    const condstore = ctx.useCondstore && hasCondstore(client) && mailbox.highestModseq !== undefined && mailbox.noModseq !== true;
    const marked = condstore ? null : await markedUids(ctx, client, since);
    const uids = previous === null ? await uidsSince(ctx, client, since) : await changedUids(ctx, client, previous, condstore, marked);
    const snapshots = await fetchSnapshots(ctx, client, uids, role, bodies);

    const position: FolderPosition = {
      path,
      uidValidity,
      uidNext: mailbox.uidNext,
      modseq: condstore ? (mailbox.highestModseq as bigint).toString() : null,
      marked,
    };
    const changes: Change<MailMessage>[] = snapshots
      .filter((snapshot) => (snapshot.item.receivedAt === null ? true : Date.parse(snapshot.item.receivedAt) >= since.getTime()))
      .map((snapshot) => ({ kind: 'upsert', ...snapshot }));
    return { role, position, changes, full: previous === null };
  } finally {
    lock.release();
  }
}

async function uidsSince(ctx: ImapContext, client: ImapFlow, since: Date): Promise<number[]> {
  ctx.calls += 1;
  const found = await client.search({ since }, { uid: true });
  return Array.isArray(found) ? found : [];
}

/** UIDs of messages carrying the Salesforce keyword, for change detection without CONDSTORE. */
async function markedUids(ctx: ImapContext, client: ImapFlow, since: Date): Promise<number[]> {
  ctx.calls += 1;
  const found = await client.search({ keyword: ctx.keyword, since }, { uid: true });
  return Array.isArray(found) ? [...found].sort((a, b) => a - b) : [];
}

async function changedUids(
  ctx: ImapContext,
  client: ImapFlow,
  previous: FolderPosition,
  condstore: boolean,
  marked: readonly number[] | null,
): Promise<number[]> {
  const mailbox = client.mailbox as MailboxObject;
  if (condstore && previous.modseq !== null) {
    if (BigInt(previous.modseq) >= (mailbox.highestModseq as bigint)) {
      return [];
    }
    ctx.calls += 1;
    const changed = await client.fetchAll('1:*', { uid: true }, { uid: true, changedSince: BigInt(previous.modseq) });
    return changed.map((message) => message.uid);
  }

  // `N:*` also names the last message when its UID is below N, so new UIDs are filtered again.
  const added = mailbox.uidNext > previous.uidNext ? await uidsFrom(ctx, client, previous.uidNext) : [];
  const before = new Set(previous.marked ?? []);
  const newlyMarked = (marked ?? []).filter((uid) => !before.has(uid));
  return [...new Set([...added, ...newlyMarked])].sort((a, b) => a - b);
}

async function uidsFrom(ctx: ImapContext, client: ImapFlow, uidNext: number): Promise<number[]> {
  ctx.calls += 1;
  const listed = await client.fetchAll(`${uidNext}:*`, { uid: true }, { uid: true });
  return listed.map((message) => message.uid).filter((uid) => uid >= uidNext);
}
