import type { CalendarEvent } from '../../src/domain/calendar-event.ts';
import type { Change, MailboxEventSource, PullPage, PullResult, SyncWindow } from '../../src/domain/connector.ts';
import { ConnectorError } from '../../src/domain/errors.ts';

type Pages = (cursor: string | null, window: SyncWindow) => AsyncGenerator<PullPage<CalendarEvent>>;

/**
 * Return the source with an extra page at the end of its full listing, as Graph may send an item again within one
 * round. `extra` returns that page's changes from every change listed before it. `pullChanges` reads the same pages
 * and keeps the later change of an id, as the Graph connector does.
 */
export function withExtraPage(extra: (listed: readonly Change<CalendarEvent>[]) => Change<CalendarEvent>[] | Promise<Change<CalendarEvent>[]>): (source: MailboxEventSource) => MailboxEventSource {
  return (source) => {
    async function* pages(cursor: string | null, window: SyncWindow): AsyncGenerator<PullPage<CalendarEvent>> {
      const listed: Change<CalendarEvent>[] = [];
      for await (const page of source.pullPages!(cursor, window)) {
        listed.push(...page.changes);
        if (cursor !== null || page.nextCursor === null) {
          yield page;
          continue;
        }
        yield { changes: page.changes, nextCursor: null };
        yield { changes: await extra(listed), nextCursor: page.nextCursor };
      }
    }
    return withPages(source, pages);
  };
}

/**
 * Return the source with its first listing served two items a page, and a 503 from Graph instead of the third page, as
 * a throttled or failing Graph returns. A listing from a cursor is served as usual.
 */
export function failingOnThirdPage(source: MailboxEventSource): MailboxEventSource {
  async function* pages(cursor: string | null, window: SyncWindow): AsyncGenerator<PullPage<CalendarEvent>> {
    if (cursor !== null) {
      yield* source.pullPages!(cursor, window);
      return;
    }
    let served = 0;
    for await (const page of source.pullPages!(cursor, window)) {
      for (let at = 0; at < page.changes.length; at += 2) {
        if (served === 2) {
          throw new ConnectorError({ kind: 'retryLater', code: 'ServiceUnavailable', message: 'Graph returned 503 Service Unavailable' });
        }
        served += 1;
        yield { changes: page.changes.slice(at, at + 2), nextCursor: null };
      }
    }
  }
  return withPages(source, pages);
}

/** Return the source with `pages` as its `pullPages`, and a `pullChanges` that reads them, each id's later change kept. */
function withPages(source: MailboxEventSource, pages: Pages): MailboxEventSource {
  const pullChanges = async (cursor: string | null, window: SyncWindow): Promise<PullResult<CalendarEvent>> => {
    const byId = new Map<string, Change<CalendarEvent>>();
    for await (const page of pages(cursor, window)) {
      for (const change of page.changes) {
        byId.delete(change.id);
        byId.set(change.id, change);
      }
      if (page.nextCursor !== null) {
        return { changes: [...byId.values()], nextCursor: page.nextCursor, isFullListing: cursor === null };
      }
    }
    throw new Error('the listing ended without a cursor');
  };
  return new Proxy(source, {
    get(target, property) {
      if (property === 'pullPages') {
        return pages;
      }
      if (property === 'pullChanges') {
        return pullChanges;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
