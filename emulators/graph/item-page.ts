import { apiLink, eventHeaders } from './event-access.ts';
import type { GraphResponse, RouteContext } from './graph-routing.ts';
import { jsonResponse } from './graph-routing.ts';
import { parseCount } from './query-options.ts';

/** Outlook pages item lists by 10 unless `$top` sets another size, and serves at most 1000 per page. */
const DEFAULT_LIST_PAGE = 10;
const MAX_LIST_PAGE = 1000;

/** Render one page of a collection with `$top`/`$skip`, and an `@odata.nextLink` that keeps the other query options. */
export function itemPage<T>(
  context: RouteContext,
  items: readonly T[],
  link: { readonly pathAfterUser: string; readonly odataContext: string },
  render: (item: T) => Record<string, unknown>,
): GraphResponse {
  const query = context.request.query;
  const top = Math.min(parseCount(query.get('$top'), '$top', context.preferences.maxPageSize ?? DEFAULT_LIST_PAGE), MAX_LIST_PAGE);
  const skip = parseCount(query.get('$skip'), '$skip', 0);
  const body: Record<string, unknown> = {
    '@odata.context': link.odataContext,
    value: items.slice(skip, skip + top).map(render),
  };

  if (skip + top < items.length) {
    const next = new URLSearchParams();
    for (const [key, value] of query) {
      if (key !== '$skip' && key !== '$top') {
        next.set(key, value);
      }
    }
    next.set('$top', String(top));
    next.set('$skip', String(skip + top));
    body['@odata.nextLink'] = apiLink(context, link.pathAfterUser, next);
  }
  return jsonResponse(200, body, eventHeaders(context));
}
