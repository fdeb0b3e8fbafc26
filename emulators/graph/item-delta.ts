import { apiLink, eventHeaders } from './event-access.ts';
import { GraphError } from './graph-error.ts';
import type { GraphResponse, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import type { ItemDeltaState } from './item-delta-token.ts';
import { decodeItemDeltaState, encodeItemDeltaState } from './item-delta-token.ts';
import type { ItemLog, LoggedItem } from './item-log.ts';
import { parseCount } from './query-options.ts';

/** The query options of a round's first request, which the links carry on. */
export interface DeltaQuery {
  readonly select: string | null;
  readonly expand: string | null;
}

export interface ItemDeltaSpec<T extends LoggedItem> {
  readonly family: ItemDeltaState['family'];
  readonly log: ItemLog<T>;
  readonly containerId: string;
  /** Path after `/users/{u}/` that the next and delta links point to. */
  readonly linkPath: string;
  readonly odataContext: string;
  /** Query options a first request may carry besides the state tokens; the others are rejected with 400. */
  readonly options: readonly ('$select' | '$expand' | '$top')[];
  readonly render: (item: T, query: DeltaQuery) => Record<string, unknown>;
}

const DELTA_OPTIONS = ['$select', '$expand', '$top', '$filter', '$orderby', '$search', '$skip', '$count'];

/**
 * One page of a delta round over a To Do list or a contact folder (api/todotask-delta.md, api/contact-delta.md).
 *
 * - A round is one or more pages linked by `@odata.nextLink` (`$skiptoken`) and ends with `@odata.deltaLink`
 *   (`$deltatoken`). `Prefer: odata.maxpagesize` sets the page size, and so does `$top` where it is allowed.
 * - The first request's `$select` and `$expand` are encoded in the tokens and apply to every later page.
 * - From a delta link, an item deleted since the last round comes back as
 *   `{ "@odata.type", "id", "@removed": { "reason": "deleted" } }`.
 * - A token from before `expireDeltaTokens` or `/_admin/reset` gets 410 Gone with `syncStateNotFound`.
 */
export function serveItemDelta<T extends LoggedItem>(context: RouteContext, spec: ItemDeltaSpec<T>): GraphResponse {
  const state = roundState(context, spec);
  const pageSize = context.preferences.maxPageSize ?? topOf(context, spec) ?? context.services.defaultPageSize;
  const upToSeq = state.upToSeq ?? spec.log.currentSeq;
  const query: DeltaQuery = { select: state.select, expand: state.expand };
  const items: Record<string, unknown>[] = [];
  let lastSeq = state.afterSeq;
  let pageFull = false;

  spec.log.scanChanges(spec.containerId, state.afterSeq, upToSeq, (item) => {
    const entry = deltaEntry(item, state, spec, query);
    lastSeq = item.seq;
    if (entry) {
      items.push(entry);
    }
    pageFull = items.length >= pageSize;
    return !pageFull;
  });

  const body: Record<string, unknown> = { '@odata.context': spec.odataContext };
  if (pageFull && lastSeq < upToSeq) {
    body['@odata.nextLink'] = link(context, spec, '$skiptoken', { ...state, afterSeq: lastSeq, upToSeq });
  } else {
    body['@odata.deltaLink'] = link(context, spec, '$deltatoken', { ...state, afterSeq: upToSeq, upToSeq: null, baseSeq: upToSeq, full: false });
  }
  body.value = items;
  return jsonResponse(200, body, eventHeaders(context, { pageSize: true }));
}

function roundState<T extends LoggedItem>(context: RouteContext, spec: ItemDeltaSpec<T>): ItemDeltaState {
  const query = context.request.query;
  const token = query.get('$skiptoken') ?? query.get('$deltatoken');
  if (token === undefined) {
    for (const option of DELTA_OPTIONS) {
      if (query.has(option) && !(spec.options as readonly string[]).includes(option)) {
        throw new GraphError(400, 'ErrorInvalidUrlQuery', `The query option ${option} is not supported with delta here; use only ${spec.options.join(', ') || 'no options'}.`);
      }
    }
    return {
      family: spec.family,
      userId: context.user.id,
      containerId: spec.containerId,
      afterSeq: 0,
      upToSeq: null,
      baseSeq: 0,
      full: true,
      epoch: context.services.store.deltaEpoch,
      select: query.get('$select') ?? null,
      expand: query.get('$expand') ?? null,
    };
  }

  const state = decodeItemDeltaState(token, spec.family);
  if (state.userId !== context.user.id || state.containerId !== spec.containerId) {
    throw new GraphError(400, 'BadRequest', 'This state token belongs to another mailbox or collection; use the link returned for this collection.');
  }
  if (state.epoch !== context.services.store.deltaEpoch) {
    throw new GraphError(410, 'syncStateNotFound', 'The sync state behind this token no longer exists; start a new round without a token.');
  }
  return state;
}

function topOf<T extends LoggedItem>(context: RouteContext, spec: ItemDeltaSpec<T>): number | null {
  const top = context.request.query.get('$top');
  if (top === undefined || !spec.options.includes('$top')) {
    return null;
  }
  const size = parseCount(top, '$top', 0);
  return size > 0 ? size : null;
}

function deltaEntry<T extends LoggedItem>(item: T, state: ItemDeltaState, spec: ItemDeltaSpec<T>, query: DeltaQuery): Record<string, unknown> | null {
  if (!item.deleted) {
    return spec.render(item, query);
  }

  // The first round lists what exists. Later rounds report only removals of items the client could have seen.
  if (state.full || item.createdSeq > state.baseSeq) {
    return null;
  }
  return { '@odata.type': `#microsoft.graph.${spec.family}`, id: item.id, '@removed': { reason: 'deleted' } };
}

function link<T extends LoggedItem>(context: RouteContext, spec: ItemDeltaSpec<T>, option: '$skiptoken' | '$deltatoken', state: ItemDeltaState): string {
  return apiLink(context, spec.linkPath, new URLSearchParams({ [option]: encodeItemDeltaState(state) }));
}
