import type { CalendarEvent } from './calendar-event.ts';
import type { MailboxContact } from './contact.ts';
import type { Failure } from './errors.ts';
import type { MailboxTask } from './task.ts';

/**
 * The contracts the sync core talks to. A connector hides its protocol behind these; the core never imports a
 * concrete connector. `T` is the side's item shape: the canonical `CalendarEvent` on the mailbox side, a
 * Salesforce record (field name to value) on the CRM side.
 */

/** One changed or deleted item as a side reported it. */
export type Change<T> =
  | {
      readonly kind: 'upsert';
      readonly id: string;
      readonly version: string;
      /** ISO instant of the last modification, used by the latest-wins conflict policy. */
      readonly modifiedAt: string;
      /** Sync id found on the item, if Syncline wrote one there earlier. */
      readonly syncId: string | null;
      readonly item: T;
    }
  | {
      readonly kind: 'delete';
      readonly id: string;
      /**
       * True when the side could only say the item left the listing (Graph `@removed` on a calendar view):
       * the item may still exist outside the window, so the core confirms with `readItems` before deleting.
       */
      readonly mayStillExist: boolean;
    };

export interface PullResult<T> {
  readonly changes: readonly Change<T>[];
  /** Cursor to store once every change of this pull has been applied. */
  readonly nextCursor: string;
  /**
   * True when this pull listed every item in scope (no cursor, or the old one expired): a linked item missing
   * from the listing was deleted or left the scope.
   */
  readonly isFullListing: boolean;
}

/** One page of a pull, as `pullPages` yields it. */
export interface PullPage<T> {
  readonly changes: readonly Change<T>[];
  /** The cursor to store once every change of the whole pull has been applied: set on the last page only. */
  readonly nextCursor: string | null;
}

/** A side item read by id, as `readItems` and `findBySyncIds` return it. */
export interface ItemSnapshot<T> {
  readonly id: string;
  readonly version: string;
  readonly modifiedAt: string;
  readonly syncId: string | null;
  readonly item: T;
}

export type Write<T> =
  | { readonly op: 'create'; readonly ref: string; readonly syncId: string; readonly item: T }
  | {
      readonly op: 'update';
      readonly ref: string;
      readonly id: string;
      /** Only the fields that changed; a connector sends nothing else (a partial PATCH, never a full replace). */
      readonly patch: Partial<T>;
      /** Version the change was computed against, sent as If-Match where the protocol has it. */
      readonly expectedVersion: string | null;
    }
  | { readonly op: 'delete'; readonly ref: string; readonly id: string };

export type WriteResult =
  | {
      readonly ref: string;
      readonly ok: true;
      readonly id: string;
      /** The version after the write, or null when the protocol does not return it (the next pull sees it). */
      readonly version: string | null;
    }
  | { readonly ref: string; readonly ok: false; readonly failure: Failure };

/** Time range of the items a session mirrors, as ISO instants. */
export interface SyncWindow {
  readonly start: string;
  readonly end: string;
}

/** Running count of requests a connector made, per session. */
export interface ApiCallCounter {
  readonly calls: number;
}

export interface ItemSource<T> extends ApiCallCounter {
  /**
   * Pull the changes since `cursor`; a null cursor lists everything in scope. Throws a `ConnectorError` of
   * kind `cursorExpired` when the cursor is no longer valid, and the core then pulls again with null.
   */
  pullChanges(cursor: string | null, window: SyncWindow): Promise<PullResult<T>>;

  /**
   * The same pull as `pullChanges`, a page at a time, so a large listing never sits in memory whole. The next page is
   * read only once the caller asks for it; the last page carries the next cursor. The same id may come again on a
   * later page, and then the later change wins. Optional: sources without it are pulled with `pullChanges`.
   */
  pullPages?(cursor: string | null, window: SyncWindow): AsyncIterable<PullPage<T>>;

  /** Read items by id; an id that no longer exists is absent from the result. */
  readItems(ids: readonly string[]): Promise<Map<string, ItemSnapshot<T>>>;

  /** Find items that carry these sync ids, so a create repeated after a crash links to its first result. */
  findBySyncIds(syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<T>>>;

  /** Apply writes in as few requests as the protocol allows; one result per write, in any order. */
  applyWrites(writes: readonly Write<T>[]): Promise<WriteResult[]>;
}

export type MailboxEventSource = ItemSource<CalendarEvent>;

/** A Salesforce record as field name to JSON value; `Id` is always present on records read back. */
export type CrmRecord = Readonly<Record<string, unknown>>;
export type CrmEventSource = ItemSource<CrmRecord>;

/** Task and contact sources list everything in scope whatever the window: tasks and contacts have no time range. */
export type MailboxTaskSource = ItemSource<MailboxTask>;
export type MailboxContactSource = ItemSource<MailboxContact>;
