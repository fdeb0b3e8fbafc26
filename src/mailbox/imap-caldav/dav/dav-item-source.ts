import type { Change, ItemSnapshot, ItemSource, PullResult, SyncWindow, Write, WriteResult } from '../../../domain/connector.ts';
import { ConnectorError, isConnectorError } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import { decodeDavCursor, encodeDavCursor, type DavCursor } from './dav-cursor.ts';
import type { DavHttp } from './dav-http.ts';
import { hrefOfId, type DavItem, type DavItemKind } from './dav-kind.ts';
import { listEtags, multiget, syncCollection, type DavResource } from './dav-reports.ts';
import { applyDavWrite } from './dav-writes.ts';

/** What every DAV source of one mailbox shares. */
export interface DavSourceContext {
  readonly http: DavHttp;
  /** The collection URL, discovered once and then remembered. */
  readonly collection: () => Promise<string>;
  /** False: compare ETags as on servers without sync-collection. */
  readonly useSyncCollection: boolean;
  readonly logger: Logger;
}

/** Create an ItemSource over one CalDAV or CardDAV collection for the given object kind. */
export function createDavItemSource<T>(ctx: DavSourceContext, kind: DavItemKind<T>, multiItem: boolean): ItemSource<T> {
  return {
    get calls() {
      return ctx.http.calls;
    },
    pullChanges: (cursor, window) => pullChanges(ctx, kind, multiItem, cursor, window),
    readItems: (ids) => readItems(ctx, kind, ids),
    findBySyncIds: (syncIds) => findBySyncIds(ctx, kind, syncIds),
    applyWrites: (writes) => applyWrites(ctx, kind, writes),
  };
}

interface Listing {
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly token: string | null;
  readonly etags: Record<string, string> | null;
}

async function pullChanges<T>(ctx: DavSourceContext, kind: DavItemKind<T>, multiItem: boolean, cursor: string | null, window: SyncWindow): Promise<PullResult<T>> {
  const url = await ctx.collection();
  const stored = cursor === null ? null : decodeDavCursor(cursor, url);
  const listing = await listChanges(ctx, url, stored);
  const resources = await multiget(ctx.http, url, kind.collectionType, listing.changed);

  const changes = new Map<string, Change<T>>();
  const itemIds: Record<string, readonly string[]> = { ...(stored?.itemIds ?? {}) };
  for (const href of listing.removed) {
    for (const id of stored?.itemIds[href] ?? [href]) {
      changes.set(id, { kind: 'delete', id, mayStillExist: false });
    }
    delete itemIds[href];
  }

  for (const resource of resources) {
    const items = itemsOrNull(ctx, kind, resource, window);
    if (items === null) {
      continue;
    }
    for (const item of items) {
      changes.set(item.id, { kind: 'upsert', id: item.id, version: resource.etag, modifiedAt: item.modifiedAt, syncId: item.syncId, item: item.item });
    }
    if (!multiItem) {
      continue;
    }

    // An instance that left a changed series was excluded or moved out of the window, so it may still exist.
    const current = new Set(items.map((item) => item.id));
    for (const id of stored?.itemIds[resource.href] ?? []) {
      if (!current.has(id)) {
        changes.set(id, { kind: 'delete', id, mayStillExist: true });
      }
    }
    itemIds[resource.href] = [...current];
  }

  const next: DavCursor = { collection: url, token: listing.token, etags: listing.etags, itemIds: multiItem ? itemIds : {} };
  ctx.logger.debug({ changed: listing.changed.length, removed: listing.removed.length, changes: changes.size, fullListing: stored === null }, `DAV ${kind.label} pulled`);
  return { changes: [...changes.values()], nextCursor: encodeDavCursor(next), isFullListing: stored === null };
}

async function listChanges(ctx: DavSourceContext, url: string, stored: DavCursor | null): Promise<Listing> {
  if (ctx.useSyncCollection) {
    if (stored !== null && stored.token === null) {
      throw new ConnectorError({ kind: 'cursorExpired', code: 'CursorModeChanged', message: 'the stored DAV cursor holds ETags, not a sync token, so the collection is read again in full' });
    }
    const delta = await syncCollection(ctx.http, url, stored?.token ?? null);
    return { changed: delta.changed, removed: delta.removed, token: delta.token, etags: null };
  }

  if (stored !== null && stored.etags === null) {
    throw new ConnectorError({ kind: 'cursorExpired', code: 'CursorModeChanged', message: 'the stored DAV cursor holds a sync token, not ETags, so the collection is read again in full' });
  }
  const current = await listEtags(ctx.http, url);
  const before = stored?.etags ?? {};
  const changed = [...current].filter(([href, etag]) => before[href] !== etag).map(([href]) => href);
  const removed = Object.keys(before).filter((href) => !current.has(href));
  return { changed, removed, token: null, etags: Object.fromEntries(current) };
}

/** The items of a resource, or null (with a warning) when its text cannot be read, so one bad resource skips alone. */
function itemsOrNull<T>(ctx: DavSourceContext, kind: DavItemKind<T>, resource: DavResource, window: SyncWindow | null): DavItem<T>[] | null {
  try {
    return kind.itemsOf(resource, window);
  } catch (error) {
    ctx.logger.warn({ href: resource.href, err: error }, `DAV ${kind.label} resource cannot be read; it is skipped`);
    return null;
  }
}

async function readItems<T>(ctx: DavSourceContext, kind: DavItemKind<T>, ids: readonly string[]): Promise<Map<string, ItemSnapshot<T>>> {
  const url = await ctx.collection();
  const unique = [...new Set(ids)];
  const resources = new Map((await multiget(ctx.http, url, kind.collectionType, unique.map(hrefOfId))).map((resource) => [resource.href, resource]));

  const found = new Map<string, ItemSnapshot<T>>();
  for (const id of unique) {
    const resource = resources.get(hrefOfId(id));
    const item = resource === undefined ? null : findOrNull(ctx, kind, resource, id);
    if (resource !== undefined && item !== null) {
      found.set(id, { id: item.id, version: resource.etag, modifiedAt: item.modifiedAt, syncId: item.syncId, item: item.item });
    }
  }
  return found;
}

function findOrNull<T>(ctx: DavSourceContext, kind: DavItemKind<T>, resource: DavResource, id: string): DavItem<T> | null {
  try {
    return kind.findItem(resource, id);
  } catch (error) {
    ctx.logger.warn({ href: resource.href, err: error }, `DAV ${kind.label} resource cannot be read; it is skipped`);
    return null;
  }
}

/** Syncline names the resources it creates after the sync id, so the lookup is a multiget of those names. */
async function findBySyncIds<T>(ctx: DavSourceContext, kind: DavItemKind<T>, syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<T>>> {
  const url = await ctx.collection();
  const unique = [...new Set(syncIds)];
  const resources = await multiget(ctx.http, url, kind.collectionType, unique.map((syncId) => resourcePath(url, syncId, kind.extension)));

  const found = new Map<string, ItemSnapshot<T>>();
  for (const resource of resources) {
    for (const item of itemsOrNull(ctx, kind, resource, null) ?? []) {
      if (item.syncId !== null && unique.includes(item.syncId) && !found.has(item.syncId)) {
        found.set(item.syncId, { id: item.id, version: resource.etag, modifiedAt: item.modifiedAt, syncId: item.syncId, item: item.item });
      }
    }
  }
  return found;
}

/** The path of the resource a create with this sync id writes. */
export function resourcePath(collectionUrl: string, syncId: string, extension: string): string {
  return new URL(`${encodeURIComponent(syncId)}${extension}`, collectionUrl).pathname;
}

async function applyWrites<T>(ctx: DavSourceContext, kind: DavItemKind<T>, writes: readonly Write<T>[]): Promise<WriteResult[]> {
  const url = await ctx.collection();
  const results: WriteResult[] = [];
  for (const write of writes) {
    try {
      results.push(await applyDavWrite(ctx.http, url, kind, write));
    } catch (error) {
      if (!isConnectorError(error)) {
        throw error;
      }
      results.push({ ref: write.ref, ok: false, failure: error.failure });
    }
  }
  return results;
}
