/**
 * Row types of Syncline's tables for Kysely. Column names are snake_case, and the query files map them to the
 * domain's camelCase records. JSON is stored as text. Times are stored as ISO 8601 UTC text
 * (`2026-05-04T10:00:00.000Z`) because fixed-width ISO text sorts by time on SQLite and on PostgreSQL alike.
 */
export interface OrgsTable {
  id: string;
  name: string;
}

export interface MailboxesTable {
  id: string;
  org_id: string;
  kind: string;
  address: string;
  time_zone: string;
}

export interface LinksTable {
  mailbox_id: string;
  object_kind: string;
  sync_id: string;
  mailbox_item_id: string;
  crm_record_id: string;
  mailbox_version: string | null;
  crm_version: string | null;
  /** JSON text of the link's base. */
  base: string;
  base_hash: string;
  origin: string;
  /** Side whose deletion ended the pair, or null for a live link. */
  tombstone: string | null;
}

export interface CursorsTable {
  mailbox_id: string;
  object_kind: string;
  side: string;
  cursor: string;
  updated_at: string;
}

export interface IntentsTable {
  mailbox_id: string;
  object_kind: string;
  sync_id: string;
  source_side: string;
  source_id: string;
  created_at: string;
}

export interface PendingItemsTable {
  mailbox_id: string;
  object_kind: string;
  side: string;
  item_id: string;
  code: string;
  message: string;
  attempts: number;
}

export interface ConflictsTable {
  mailbox_id: string;
  object_kind: string;
  /** 1, 2, 3… per mailbox and kind, in the order the decisions were committed. */
  seq: number;
  sync_id: string;
  field: string;
  /** JSON text of each mapped value. */
  base_value: string;
  mailbox_value: string;
  crm_value: string;
  winner: string;
  reason: string;
  created_at: string;
  /** The seq of the decision this row undoes; null for a session's own decision. */
  undoes: number | null;
}

export interface QuarantineTable {
  id: string;
  mailbox_id: string;
  object_kind: string;
  /** The side the engine deleted the item from. */
  side: string;
  item_id: string;
  other_item_id: string | null;
  sync_id: string;
  /** JSON text of the pair's last mapped values. */
  item_values: string;
  origin: string;
  reason: string;
  deleted_at: string;
  restore_requested_at: string | null;
  restored_at: string | null;
}

export interface HeldDeletionsTable {
  mailbox_id: string;
  object_kind: string;
  sync_id: string;
  side: string;
  item_id: string;
  held_at: string;
  /** `confirm`, `reject`, or null while undecided. */
  decision: string | null;
}

export interface ConflictUndosTable {
  mailbox_id: string;
  object_kind: string;
  seq: number;
  sync_id: string;
  field: string;
  /** JSON text of the value written back. */
  value: string;
  side: string;
  requested_at: string;
}

export interface SessionsTable {
  id: string;
  mailbox_id: string;
  status: string;
  started_at: string;
  ended_at: string;
  /** JSON text of the whole SessionReport. */
  report: string;
}

export interface SessionLeasesTable {
  mailbox_id: string;
  /** Id of the session that holds the lease. */
  holder: string;
  /** ISO instant after which another session may take the lease. */
  expires_at: string;
}

export interface PlannedBasesTable {
  mailbox_id: string;
  object_kind: string;
  sync_id: string;
  /** JSON text of the planned base. */
  base: string;
}

export interface SynclineDatabase {
  orgs: OrgsTable;
  mailboxes: MailboxesTable;
  links: LinksTable;
  cursors: CursorsTable;
  intents: IntentsTable;
  pending_items: PendingItemsTable;
  conflicts: ConflictsTable;
  sessions: SessionsTable;
  session_leases: SessionLeasesTable;
  planned_bases: PlannedBasesTable;
  quarantine: QuarantineTable;
  held_deletions: HeldDeletionsTable;
  conflict_undos: ConflictUndosTable;
}

/** Every table, children before parents, so deleting in this order never trips a foreign key. */
export const TABLES_CHILDREN_FIRST = [
  'quarantine',
  'held_deletions',
  'conflict_undos',
  'planned_bases',
  'session_leases',
  'conflicts',
  'sessions',
  'pending_items',
  'intents',
  'cursors',
  'links',
  'mailboxes',
  'orgs',
] as const satisfies readonly (keyof SynclineDatabase)[];
