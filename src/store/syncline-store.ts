import type { AccountStore, SessionLog } from '../domain/accounts.ts';
import type { ReplayIdStore } from '../domain/change-stream.ts';
import type { ObjectKind } from '../domain/link.ts';
import type { SyncStateStore } from '../domain/sync-store.ts';
import type { RecordedConflict } from './conflict-ledger.ts';

export type StoreOptions =
  /** `path` may be ':memory:' for a store that lives as long as the process. */
  | { kind: 'sqlite'; path: string }
  /** `schema` (default `public`) contains every table and is created when missing. */
  | { kind: 'postgres'; connectionString: string; schema?: string };

export interface SynclineStore extends SyncStateStore, AccountStore, SessionLog, ReplayIdStore {
  /** Apply pending migrations; idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Remove every row of every table (sandbox reset); keeps the schema. */
  truncateAll(): Promise<void>;
  /** The conflict ledger of one mailbox and kind, newest first. */
  listConflicts(mailboxId: string, objectKind: ObjectKind, limit: number): Promise<RecordedConflict[]>;
}
