import type { ItemSource } from '../../../domain/connector.ts';
import type { SourceContext } from '../source-context.ts';
import { applyItemWrites } from './apply-item-writes.ts';
import type { GraphItem, GraphItemKind } from './graph-item-kind.ts';
import { pullItemDelta } from './pull-item-delta.ts';
import { readItemsById } from './read-items-by-id.ts';

/** Create an item source over one family of Outlook items; it ignores the sync window because these items have no time range. */
export function createItemSource<T, G extends GraphItem>(ctx: SourceContext, kind: GraphItemKind<T, G>): ItemSource<T> {
  return {
    get calls() {
      return ctx.http.calls;
    },
    pullChanges: (cursor) => pullItemDelta(ctx, kind, cursor),
    readItems: (ids) => readItemsById(ctx, kind, ids),
    findBySyncIds: (syncIds) => kind.findBySyncIds(syncIds),
    applyWrites: (writes) => applyItemWrites(ctx, kind, writes),
  };
}

/** Wrap a computation so it runs once, on first use, and runs again on the next use if that attempt failed. */
export function lazily<V>(compute: () => Promise<V>): () => Promise<V> {
  let pending: Promise<V> | null = null;
  return () => {
    pending ??= compute().catch((error: unknown) => {
      pending = null;
      throw error;
    });
    return pending;
  };
}
