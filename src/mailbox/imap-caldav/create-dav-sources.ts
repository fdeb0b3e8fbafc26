import type { ItemSource } from '../../domain/connector.ts';
import { DEFAULT_TIMEOUT_MS, type ImapCalDavOptions } from './connector-options.ts';
import { DavHttp } from './dav/dav-http.ts';
import { createDavItemSource, type DavSourceContext } from './dav/dav-item-source.ts';
import type { DavItemKind } from './dav/dav-kind.ts';
import { discoverCollection, type CollectionPurpose } from './dav/discover-collection.ts';

/** The HTTP layer the CalDAV and CardDAV sources of one mailbox share. */
export function createDavHttp(options: ImapCalDavOptions): DavHttp {
  return new DavHttp(options.dav, options.logger.child({ component: 'dav' }), options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.fetch);
}

/** An ItemSource over the collection of one purpose, discovered on first use and remembered after it. */
export function createDavSource<T>(options: ImapCalDavOptions, http: DavHttp, purpose: CollectionPurpose, kind: DavItemKind<T>): ItemSource<T> {
  let collection: Promise<string> | null = null;
  const ctx: DavSourceContext = {
    http,
    collection: () => {
      // A failed discovery is tried again on the next call instead of being remembered.
      collection ??= discoverCollection(http, options.dav, purpose).catch((error: unknown) => {
        collection = null;
        throw error;
      });
      return collection;
    },
    useSyncCollection: (options.changeDetection ?? 'auto') === 'auto',
    logger: http.logger.child({ purpose }),
  };
  return createDavItemSource(ctx, kind, purpose === 'events');
}
