import type { Change } from '../../../domain/connector.ts';
import type { FolderRole, MailMessage, MessageScope } from '../../../domain/email-message.ts';
import { ConnectorError, isConnectorError } from '../../../domain/errors.ts';
import type { PullResult } from '../../../domain/connector.ts';
import type { GraphPage } from '../graph-types.ts';
import type { GraphMessage } from './graph-mail-types.ts';
import { decodeMailCursor, encodeMailCursor, type FolderCursor, type MailCursor } from './mail-cursor.ts';
import type { MailContext } from './mail-context.ts';
import { MAIL_PREFERENCES, messageQuery, REQUIRED_PROPERTIES } from './message-query.ts';
import { readGraphMessages, toSnapshots } from './read-messages.ts';

/** Folder roles in the order their deltas are read; a message moved while the pull runs ends as the later read saw it. */
const READ_ORDER: readonly FolderRole[] = ['inbox', 'sent', 'drafts', 'salesforce'];

interface FolderRound {
  readonly role: FolderRole;
  readonly messages: readonly GraphMessage[];
  readonly next: FolderCursor;
  readonly full: boolean;
}

/**
 * Follow the message delta of every folder in the scope from its stored deltaLink, or list the folder from
 * `scope.since` on when it has none. An expired deltaLink of any folder expires the whole cursor.
 */
export async function pullMessages(ctx: MailContext, cursor: string | null, scope: MessageScope): Promise<PullResult<MailMessage>> {
  const stored: MailCursor = cursor === null ? { folders: {}, salesforceFolderName: null } : decodeMailCursor(cursor);
  const roles = scopeRoles(scope);
  if (ctx.folders.salesforceFolderName === null && stored.salesforceFolderName !== null) {
    ctx.folders.useSalesforceFolderName(stored.salesforceFolderName);
  }
  for (const [role, entry] of Object.entries(stored.folders)) {
    const known = role !== 'salesforce' || stored.salesforceFolderName === ctx.folders.salesforceFolderName;
    if (entry && known) {
      ctx.folders.remember(role as FolderRole, entry.folderId);
    }
  }

  const since = sinceFilter(scope.since);
  const rounds: FolderRound[] = [];
  for (const role of READ_ORDER.filter((candidate) => roles.includes(candidate))) {
    const round = await readFolder(ctx, role, stored.folders[role] ?? null, since);
    if (round !== null) {
      rounds.push(round);
    }
  }

  const changes = await toChanges(ctx, rounds);
  const next: MailCursor = {
    folders: Object.fromEntries(rounds.map((round) => [round.role, round.next])),
    salesforceFolderName: ctx.folders.salesforceFolderName,
  };
  ctx.client.logger.debug({ folders: rounds.length, changes: changes.length }, 'Graph mail delta pulled');
  return { changes, nextCursor: encodeMailCursor(next), isFullListing: rounds.every((round) => round.full) };
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

/** `receivedDateTime ge …`, the one `$filter` form message delta supports besides `gt` (message: delta). */
function sinceFilter(since: string): string {
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) {
    throw new Error(`scope.since "${since}" is not an ISO instant; pass one such as 2026-11-01T00:00:00Z`);
  }
  return `receivedDateTime ge ${new Date(ms).toISOString()}`;
}

/** Read one folder's round; null when the folder does not exist (a Salesforce folder not created yet). */
async function readFolder(ctx: MailContext, role: FolderRole, stored: FolderCursor | null, since: string): Promise<FolderRound | null> {
  const folderId = (await ctx.folders.resolve([role])).get(role);
  if (folderId === undefined) {
    return null;
  }

  const link = stored !== null && stored.folderId === folderId ? stored.deltaLink : null;
  try {
    const { messages, deltaLink } = await followDelta(ctx, link ?? firstDeltaUrl(ctx, folderId, since));
    return { role, messages, next: { folderId, deltaLink }, full: link === null };
  } catch (error) {
    // A deleted Salesforce folder: look it up again, it may have been recreated under the same name.
    if (role === 'salesforce' && isConnectorError(error, 'notFound')) {
      ctx.folders.forgetSalesforceFolder();
      const again = await ctx.folders.salesforceFolderId();
      return again === null || again === folderId ? null : readFolder(ctx, role, null, since);
    }
    throw error;
  }
}

function firstDeltaUrl(ctx: MailContext, folderId: string, since: string): string {
  const query = messageQuery();
  query.set('$filter', since);
  return `${ctx.client.baseUrl}${ctx.client.userPath}/mailFolders/${encodeURIComponent(folderId)}/messages/delta?${query.toString()}`;
}

async function followDelta(ctx: MailContext, start: string): Promise<{ messages: GraphMessage[]; deltaLink: string }> {
  const messages: GraphMessage[] = [];
  for (let url = start; ; ) {
    const { body } = await ctx.client.http.sendOrThrow({
      method: 'GET',
      url,
      idempotent: true,
      label: 'messages delta',
      preferences: MAIL_PREFERENCES,
      extraPreferences: [`odata.maxpagesize=${ctx.pageSize}`],
    });
    const page = (body ?? {}) as GraphPage<GraphMessage>;
    messages.push(...(page.value ?? []));

    const deltaLink = page['@odata.deltaLink'];
    if (deltaLink) {
      return { messages, deltaLink };
    }
    const nextLink = page['@odata.nextLink'];
    if (!nextLink) {
      throw new ConnectorError({
        kind: 'bug',
        code: 'DeltaWithoutLink',
        message: 'a Graph message delta page had neither @odata.nextLink nor @odata.deltaLink; the pull cannot go on',
      });
    }
    url = nextLink;
  }
}

/**
 * Upserts for every message the rounds listed. Removals are dropped: a message source reports what is in scope,
 * and a message moved between watched folders comes back whole from its new folder. Graph may send an updated
 * message with only its changed properties, so such items are read again whole.
 */
async function toChanges(ctx: MailContext, rounds: readonly FolderRound[]): Promise<Change<MailMessage>[]> {
  const latest = new Map<string, { message: GraphMessage; role: FolderRole }>();
  for (const round of rounds) {
    for (const message of round.messages) {
      latest.delete(message.id);
      if (message['@removed'] === undefined) {
        latest.set(message.id, { message, role: round.role });
      }
    }
  }

  const partial = [...latest.values()].filter(({ message }) => REQUIRED_PROPERTIES.some((property) => !(property in message)));
  const reread = partial.length === 0 ? new Map<string, GraphMessage>() : await readGraphMessages(ctx, partial.map(({ message }) => message.id));
  const whole: GraphMessage[] = [];
  const readFrom = new Map<string, FolderRole>();
  for (const { message, role } of latest.values()) {
    const complete = REQUIRED_PROPERTIES.every((property) => property in message) ? message : reread.get(message.id);
    if (complete !== undefined) {
      whole.push(complete);
      readFrom.set(message.id, role);
    }
  }

  const snapshots = await toSnapshots(ctx, whole, (message) =>
    message.parentFolderId ? ctx.folders.roleOf(message.parentFolderId) : (readFrom.get(message.id) ?? 'other'),
  );
  return snapshots.map((snapshot) => ({ kind: 'upsert', ...snapshot, syncId: null }));
}
