import type { ItemSnapshot } from '../../../domain/connector.ts';

/** The part of any Graph item payload the generic steps read. */
export interface GraphItem {
  readonly id: string;
  readonly '@removed'?: { readonly reason?: string };
}

/**
 * The parts one family of Outlook items (To Do tasks, contacts) adds to the generic pull, read and write steps:
 * where it lives, how it maps to the canonical item, and how its protocol differs.
 */
export interface GraphItemKind<T, G extends GraphItem> {
  /** Name in log lines and messages, e.g. `To Do task`. */
  readonly label: string;
  /** Collection path relative to the version root, e.g. `/users/{u}/contacts`; may need a lookup first. */
  collectionPath(): Promise<string>;
  /** Absolute URL of the first request of a full delta round. */
  firstDeltaUrl(): Promise<string>;
  /** Query string for reading one item by id, so the sync id comes along, e.g. `$expand=linkedResources`. */
  readonly readQuery: string;
  /** True when delta items lack fields the mapping needs, so the changed items are read again by id. */
  readonly rereadDeltaItems: boolean;
  /** True when `@removed` can also mean the item left the synced collection while it still exists elsewhere. */
  readonly removalMayBeMove: boolean;
  /** True when PATCH and DELETE carry `If-Match` with the item's version. */
  readonly sendsIfMatch: boolean;
  toSnapshot(item: G): ItemSnapshot<T>;
  /** Whether an item read by id lies in the synced collection; one that does not counts as absent. */
  isInScope(item: G): Promise<boolean>;
  /** The POST body of a new item that carries the sync id. */
  createBody(item: T, syncId: string): Record<string, unknown>;
  /** The PATCH body holding only the changed fields, and the fields left out because Graph cannot write them. */
  patchBody(patch: Partial<T>): { readonly body: Record<string, unknown>; readonly skipped: readonly string[] };
  findBySyncIds(syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<T>>>;
}
