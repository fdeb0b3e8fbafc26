import { ConnectorError } from '../../../domain/errors.ts';

/**
 * A DAV source's cursor: the sync token (or, without sync-collection, each member's ETag), and the ids of the items
 * every multi-item resource gave last time, so an instance that disappears from a changed series is reported.
 */
export interface DavCursor {
  readonly collection: string;
  readonly token: string | null;
  readonly etags: Readonly<Record<string, string>> | null;
  /** href → item ids, only for resources whose items are not just the href itself. */
  readonly itemIds: Readonly<Record<string, readonly string[]>>;
}

const FORMAT = 'dav/1';

export function encodeDavCursor(cursor: DavCursor): string {
  return JSON.stringify({ format: FORMAT, ...cursor });
}

/** Decode a stored cursor; one that is unreadable or names another collection counts as expired. */
export function decodeDavCursor(text: string, collection: string): DavCursor {
  let parsed: Partial<DavCursor> & { format?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw expired('CursorUnreadable', 'the stored DAV cursor is not JSON');
  }
  if (parsed.format !== FORMAT || typeof parsed.collection !== 'string' || typeof parsed.itemIds !== 'object' || parsed.itemIds === null) {
    throw expired('CursorUnreadable', `the stored DAV cursor has format ${JSON.stringify(parsed.format)}, not ${FORMAT}`);
  }
  if (parsed.collection !== collection) {
    throw expired('CollectionChanged', `the stored DAV cursor belongs to ${parsed.collection}, not ${collection}`);
  }
  return {
    collection,
    token: typeof parsed.token === 'string' ? parsed.token : null,
    etags: typeof parsed.etags === 'object' && parsed.etags !== null ? parsed.etags : null,
    itemIds: parsed.itemIds,
  };
}

function expired(code: string, reason: string): ConnectorError {
  return new ConnectorError({ kind: 'cursorExpired', code, message: `${reason}, so the collection is read again in full` });
}
