import type { Change, PullResult } from '../../../domain/connector.ts';
import type { FolderRole, MailMessage, MessageScope } from '../../../domain/email-message.ts';
import { ConnectorError, isConnectorError } from '../../../domain/errors.ts';
import { decodeGmailCursor, encodeGmailCursor } from './gmail-cursor.ts';
import { gmailUrl, type GmailContext } from './gmail-context.ts';
import type { GmailHistoryList, GmailMessage, GmailMessageList } from './gmail-types.ts';
import { fetchRawMessages, toSnapshot } from './read-gmail-messages.ts';

/** Gmail lists at most 500 messages or history records per page. */
const PAGE_SIZE = 500;

/**
 * Pull the messages of the scope's labels. With a cursor, `history.list` from the stored history id names the
 * messages added to the mailbox or given a watched label since. Without one, the history id is taken first
 * (`getProfile`) and each label is listed with `q=after:` the scope's start, so nothing that arrives during the
 * listing is missed. A history id Gmail no longer keeps (404) is thrown as `cursorExpired`.
 */
export async function pullGmailMessages(ctx: GmailContext, cursor: string | null, scope: MessageScope): Promise<PullResult<MailMessage>> {
  const stored = cursor === null ? null : decodeGmailCursor(cursor);
  if (ctx.labels.salesforceFolderName === null && stored?.salesforceLabelName) {
    ctx.labels.useSalesforceFolderName(stored.salesforceLabelName);
  }
  await ctx.labels.load();
  const labels = scopeLabels(ctx, scope.folders);

  const { ids, historyId } = stored === null ? await listScope(ctx, labels, scope.since) : await readHistory(ctx, stored.historyId, labels);
  const messages = (await fetchRawMessages(ctx, ids)).filter((message) => (message.labelIds ?? []).some((label) => labels.includes(label)));
  const changes: Change<MailMessage>[] = [];
  for (const message of messages) {
    changes.push({ kind: 'upsert', ...(await toSnapshot(ctx, message)), syncId: null });
  }

  ctx.client.logger.debug({ messages: changes.length, fullListing: stored === null }, 'Gmail messages pulled');
  return { changes, nextCursor: encodeGmailCursor({ historyId, salesforceLabelName: ctx.labels.salesforceFolderName }), isFullListing: stored === null };
}

function scopeLabels(ctx: GmailContext, roles: readonly FolderRole[]): string[] {
  if (roles.includes('other')) {
    throw new ConnectorError({ kind: 'bug', code: 'FolderRoleNotWatchable', message: "the folder role 'other' cannot be watched: list inbox, sent, drafts or salesforce in the scope" });
  }
  return [...new Set(roles)].map((role) => ctx.labels.labelOf(role)).filter((label): label is string => label !== null);
}

async function listScope(ctx: GmailContext, labels: readonly string[], since: string): Promise<{ ids: string[]; historyId: string }> {
  const sinceMs = Date.parse(since);
  if (Number.isNaN(sinceMs)) {
    throw new Error(`scope.since "${since}" is not an ISO instant; pass one such as 2026-11-01T00:00:00Z`);
  }
  const { body } = await ctx.client.http.sendOrThrow({ method: 'GET', url: gmailUrl(ctx, '/profile'), idempotent: true, label: 'getProfile', gmailMethod: 'getProfile' });
  const historyId = String((body as { historyId?: unknown } | null)?.historyId ?? '');

  const ids = new Set<string>();
  for (const label of labels) {
    const query = new URLSearchParams({ labelIds: label, q: `after:${Math.floor(sinceMs / 1000)}`, maxResults: String(PAGE_SIZE) });
    for (;;) {
      const { body: page } = await ctx.client.http.sendOrThrow({ method: 'GET', url: `${gmailUrl(ctx, '/messages')}?${query.toString()}`, idempotent: true, label: 'messages.list', gmailMethod: 'messages.list' });
      const list = (page ?? {}) as GmailMessageList;
      for (const message of list.messages ?? []) ids.add(message.id);
      if (!list.nextPageToken) break;
      query.set('pageToken', list.nextPageToken);
    }
  }
  return { ids: [...ids], historyId };
}

async function readHistory(ctx: GmailContext, startHistoryId: string, labels: readonly string[]): Promise<{ ids: string[]; historyId: string }> {
  const query = new URLSearchParams({ startHistoryId, maxResults: String(PAGE_SIZE) });
  query.append('historyTypes', 'messageAdded');
  query.append('historyTypes', 'labelAdded');
  const ids = new Set<string>();
  let historyId = startHistoryId;

  for (;;) {
    const page = await historyPage(ctx, query);
    for (const entry of page.history ?? []) {
      for (const added of entry.messagesAdded ?? []) addIfWatched(ids, added.message, labels);
      for (const added of entry.labelsAdded ?? []) addIfWatched(ids, added.message, labels);
    }
    historyId = page.historyId ?? historyId;
    if (!page.nextPageToken) break;
    query.set('pageToken', page.nextPageToken);
  }
  return { ids: [...ids], historyId };
}

async function historyPage(ctx: GmailContext, query: URLSearchParams): Promise<GmailHistoryList> {
  try {
    const { body } = await ctx.client.http.sendOrThrow({ method: 'GET', url: `${gmailUrl(ctx, '/history')}?${query.toString()}`, idempotent: true, label: 'history.list', gmailMethod: 'history.list' });
    return (body ?? {}) as GmailHistoryList;
  } catch (error) {
    // Gmail returns 404 for a history id it no longer keeps (typically after a week), and only a full read recovers.
    if (isConnectorError(error, 'notFound')) {
      throw new ConnectorError({ kind: 'cursorExpired', code: 'HistoryIdExpired', message: 'Gmail no longer keeps the history since the stored history id, so the mail is read again in full' }, { cause: error });
    }
    throw error;
  }
}

function addIfWatched(ids: Set<string>, message: GmailMessage, labels: readonly string[]): void {
  if ((message.labelIds ?? []).some((label) => labels.includes(label))) {
    ids.add(message.id);
  }
}
