/**
 * Contracts of a CRM change stream (Salesforce Change Data Capture): what it hands to the scheduler, and where it
 * keeps its position between runs. A stream only names the records that changed; the session that follows reads them
 * through the connector, so a notice never carries values the core would trust over a pull.
 */

/** Storage for a stream's position (the replay id of the last event handled), so it survives a restart. */
export interface ReplayIdStore {
  /** The replay id saved for this org and channel, or null when the stream never handled an event there. */
  loadReplayId(orgId: string, channel: string): Promise<number | null>;
  saveReplayId(orgId: string, channel: string, replayId: number): Promise<void>;
}

export const RECORD_CHANGE_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'UNDELETE'] as const;
export type RecordChangeType = (typeof RECORD_CHANGE_TYPES)[number];

/** Why the stream asks for records to be read again instead of naming a change. */
export const REREAD_REASONS = [
  'gap', // a GAP_* event: the change happened but its details were not captured
  'overflow', // GAP_OVERFLOW: a transaction changed more records than change events can describe
  'replayIdInvalid', // the stored replay id fell out of retention, so events since then are lost
] as const;
export type RereadReason = (typeof REREAD_REASONS)[number];

export type ChangeNotice =
  | {
      readonly kind: 'change';
      readonly entityName: string;
      readonly changeType: RecordChangeType;
      readonly recordIds: readonly string[];
      /** Fields an update touched; empty for other change types. */
      readonly changedFields: readonly string[];
      /** ISO instant of the commit. */
      readonly committedAt: string;
      /** Id of the user whose transaction made the change. */
      readonly commitUser: string;
      /** True when Syncline itself made the change (its client name is in the change origin): nothing to sync. */
      readonly echo: boolean;
      /** Owner of a created record, when the event names one; lets the scheduler pick the mailbox. */
      readonly ownerId: string | null;
    }
  | {
      readonly kind: 'reread';
      readonly entityName: string;
      /** Records to read again, or null for every record of the object. */
      readonly recordIds: readonly string[] | null;
      readonly reason: RereadReason;
    };

/** The notices of one delivery; the stream saves its position only after the handler resolved for the batch. */
export interface ChangeBatch {
  readonly channel: string;
  readonly notices: readonly ChangeNotice[];
}

export interface ChangeStream {
  /**
   * Connects and keeps the stream running until `stop`. Resolves once the first subscription succeeded; rejects
   * with a `ConnectorError` when the stream gives up before that (a failure no retry fixes, such as a revoked grant).
   */
  start(): Promise<void>;
  /** Ends the long poll in flight and waits for the running handler; the position saved so far stays. */
  stop(): Promise<void>;
}
