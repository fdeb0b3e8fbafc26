import { apiLink, eventHeaders } from './event-access.ts';
import { GraphError } from './graph-error.ts';
import type { GraphResponse, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import type { MailFolderRecord, MessageRecord } from './mail-record.ts';
import { wasInFolderAt } from './mail-store.ts';
import { mailOf, requireFolder } from './message-access.ts';
import type { MessageDeltaState } from './message-delta-token.ts';
import { decodeMessageDeltaState, encodeMessageDeltaState } from './message-delta-token.ts';
import { parseMessageFilter, type MessagePredicate } from './message-query.ts';
import { checkMessageSelect, renderMessage } from './message-view.ts';
import { parseCount, parseExpand, parseSelect } from './query-options.ts';

/**
 * `GET /users/{user}/mailFolders/{folder}/messages/delta` (api/message-delta.md, concepts/delta-query-messages.md).
 *
 * - Delta runs per folder. A round is one or more pages linked by `@odata.nextLink` (`$skiptoken`) and ends with
 *   `@odata.deltaLink` (`$deltatoken`). `Prefer: odata.maxpagesize` or `$top` sets the page size.
 * - The first request may carry `$select`, `$expand`, `$top`, `$filter=receivedDateTime ge|gt {value}` and
 *   `$orderby=receivedDateTime desc`; they are encoded in the tokens and apply to every later page. Other options
 *   are rejected with 400 rather than ignored.
 * - From a delta link, a message deleted or moved out of the folder since the last round comes back as
 *   `{ "@odata.type", "id", "@removed": { "reason": "deleted" } }`, and a message moved in comes back whole.
 * - A token from before `expireDeltaTokens` or `/_admin/reset` gets 410 Gone with `syncStateNotFound`.
 */
const REJECTED_OPTIONS = ['$search', '$skip', '$count', 'changetype'];

function messageDelta(context: RouteContext): GraphResponse {
  const folder = requireFolder(context);
  const state = roundState(context, folder);
  const select = parseSelect(state.select ?? undefined);
  const expandProperties = parseExpand(state.expand ?? undefined);
  const filter = parseMessageFilter(state.filter ?? undefined, 'delta');
  const pageSize = context.preferences.maxPageSize ?? state.top ?? context.services.defaultPageSize;
  const upToSeq = state.upToSeq ?? mailOf(context).currentSeq;

  const items: Record<string, unknown>[] = [];
  let lastSeq = state.afterSeq;
  let pageFull = false;
  mailOf(context).scanChanges(context.user.id, state.afterSeq, upToSeq, (message) => {
    lastSeq = message.seq;
    const entry = deltaEntry(message, folder, state, filter);
    if (entry === 'upsert') {
      items.push(renderMessage(message, { preferences: context.preferences, select, expandProperties, withODataType: true }));
    } else if (entry === 'removed') {
      items.push({ '@odata.type': '#microsoft.graph.message', id: message.id, '@removed': { reason: 'deleted' } });
    }
    pageFull = items.length >= pageSize;
    return !pageFull;
  });

  if (state.orderByReceivedDesc) {
    items.sort((a, b) => String(b.receivedDateTime ?? '').localeCompare(String(a.receivedDateTime ?? '')));
  }

  const body: Record<string, unknown> = { '@odata.context': `${context.request.origin}/v1.0/$metadata#Collection(message)` };
  if (pageFull && lastSeq < upToSeq) {
    body['@odata.nextLink'] = deltaLink(context, folder, '$skiptoken', { ...state, afterSeq: lastSeq, upToSeq });
  } else {
    body['@odata.deltaLink'] = deltaLink(context, folder, '$deltatoken', { ...state, afterSeq: upToSeq, upToSeq: null, baseSeq: upToSeq, full: false });
  }
  body.value = items;
  return jsonResponse(200, body, eventHeaders(context, { pageSize: true }));
}

function roundState(context: RouteContext, folder: MailFolderRecord): MessageDeltaState {
  const query = context.request.query;
  const token = query.get('$skiptoken') ?? query.get('$deltatoken');
  if (token === undefined) {
    return firstRoundState(context, folder);
  }

  const state = decodeMessageDeltaState(token);
  if (state.userId !== context.user.id || state.folderId !== folder.id) {
    throw new GraphError(400, 'BadRequest', 'This state token belongs to another mailbox or folder; use the link returned for this folder.');
  }
  if (state.epoch !== context.services.store.deltaEpoch) {
    throw new GraphError(410, 'syncStateNotFound', 'The sync state behind this token no longer exists; start a new round without a token.');
  }
  return state;
}

function firstRoundState(context: RouteContext, folder: MailFolderRecord): MessageDeltaState {
  const query = context.request.query;
  for (const option of REJECTED_OPTIONS) {
    if (query.has(option)) {
      throw new GraphError(400, 'ErrorInvalidUrlQuery', `The query option ${option} is not supported with message delta here; use $select, $expand, $top, $filter or $orderby.`);
    }
  }

  const orderBy = query.get('$orderby');
  if (orderBy !== undefined && !/^receivedDateTime\s+desc$/i.test(orderBy.trim())) {
    throw new GraphError(400, 'ErrorInvalidUrlQuery', `$orderby '${orderBy}' is not supported with message delta; the only supported form is 'receivedDateTime desc'.`);
  }

  // Validate now, so a bad option fails the first request rather than a later page.
  const select = query.get('$select') ?? null;
  checkMessageSelect(parseSelect(select ?? undefined));
  parseExpand(query.get('$expand'));
  parseMessageFilter(query.get('$filter'), 'delta');
  const top = query.get('$top');

  return {
    userId: context.user.id,
    folderId: folder.id,
    afterSeq: 0,
    upToSeq: null,
    baseSeq: 0,
    full: true,
    epoch: context.services.store.deltaEpoch,
    select,
    expand: query.get('$expand') ?? null,
    filter: query.get('$filter') ?? null,
    orderByReceivedDesc: orderBy !== undefined,
    top: top === undefined ? null : Math.max(1, parseCount(top, '$top', 1)),
  };
}

/**
 * Decide what a changed message means for this folder's round: it is listed whole when it is in the folder now, and
 * reported removed when the client could have seen it here at the end of the last round.
 */
function deltaEntry(message: MessageRecord, folder: MailFolderRecord, state: MessageDeltaState, filter: MessagePredicate | null): 'upsert' | 'removed' | null {
  const matches = filter === null || filter(message);
  if (!message.deleted && message.parentFolderId === folder.id) {
    return matches ? 'upsert' : null;
  }

  if (state.full || !matches) {
    return null;
  }
  return wasInFolderAt(message, folder.id, state.baseSeq) ? 'removed' : null;
}

function deltaLink(context: RouteContext, folder: MailFolderRecord, option: '$skiptoken' | '$deltatoken', state: MessageDeltaState): string {
  return apiLink(context, `mailFolders/${encodeURIComponent(folder.id)}/messages/delta`, new URLSearchParams({ [option]: encodeMessageDeltaState(state) }));
}

export const messageDeltaRoute = { method: 'GET', template: '/users/{user}/mailFolders/{folder}/messages/delta', handler: messageDelta } as const;
