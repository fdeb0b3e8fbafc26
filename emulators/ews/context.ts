import type { EwsFaults } from './faults.ts';
import type { NotificationHub } from './notifications.ts';
import type { EwsStore, FolderRecord, ItemRecord, UserRecord } from './store.ts';
import { RequestFault } from './soap-reply.ts';
import { child, type XmlNode } from './xml.ts';

/** Counts a test reads through `GET /_admin/stats`. */
export interface EwsStats {
  requests: number;
  throttled: number;
  /** Requests per operation name. */
  operations: Record<string, number>;
  /** Highest number of requests one mailbox had in flight at once. */
  maxInFlight: number;
  /** Attributes of the last request per operation, e.g. SendMeetingInvitations of CreateItem. */
  lastAttributes: Record<string, Record<string, string>>;
  /** The last RequestServerVersion and X-AnchorMailbox seen. */
  lastServerVersion: string | null;
  lastAnchorMailbox: string | null;
  /** NTLM challenges sent (one per handshake), logons verified, and Authenticate messages refused. */
  ntlmHandshakes: number;
  ntlmLogons: number;
  ntlmRejected: number;
}

export interface EwsServices {
  readonly store: EwsStore;
  readonly faults: EwsFaults;
  readonly stats: EwsStats;
  readonly hub: NotificationHub;
}

/** One operation of one request: the mailbox it acts on and the operation element. */
export interface OperationContext {
  readonly services: EwsServices;
  readonly user: UserRecord;
  readonly operation: XmlNode;
}

/** Resolve a DistinguishedFolderId or FolderId element of this user; throws ErrorFolderNotFound otherwise. */
export function resolveFolder(ctx: OperationContext, holder: XmlNode | null): FolderRecord {
  const distinguished = child(holder, 'DistinguishedFolderId');
  const folderId = child(holder, 'FolderId');
  const folder = distinguished
    ? ctx.services.store.distinguishedFolder(ctx.user.id, distinguished.attributes.Id ?? '')
    : ctx.services.store.folders.get(folderId?.attributes.Id ?? '');
  if (folder === undefined || folder.userId !== ctx.user.id) {
    throw new RequestFault('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
  }
  return folder;
}

export function findItem(ctx: OperationContext, id: string | undefined): ItemRecord | null {
  const item = ctx.services.store.items.get((id ?? '').trim());
  return item === undefined || item.deleted || item.userId !== ctx.user.id ? null : item;
}

export function emptyStats(): EwsStats {
  return { requests: 0, throttled: 0, operations: {}, maxInFlight: 0, lastAttributes: {}, lastServerVersion: null, lastAnchorMailbox: null, ntlmHandshakes: 0, ntlmLogons: 0, ntlmRejected: 0 };
}
