import type { Insertable, Selectable } from 'kysely';
import type { Intent, Link, PendingItem } from '../domain/link.ts';
import type { IntentsTable, LinksTable, PendingItemsTable } from './database.ts';
import { readMappedValues, readObjectKind, readSide } from './row-values.ts';

/** Conversions between the domain's link, intent and pending records and their rows. */
export function toLinkRow(link: Link): Insertable<LinksTable> {
  return {
    mailbox_id: link.mailboxId,
    object_kind: link.objectKind,
    sync_id: link.syncId,
    mailbox_item_id: link.mailboxItemId,
    crm_record_id: link.crmRecordId,
    mailbox_version: link.mailboxVersion,
    crm_version: link.crmVersion,
    base: JSON.stringify(link.base),
    base_hash: link.baseHash,
    origin: link.origin,
    tombstone: link.tombstone,
  };
}

export function fromLinkRow(row: Selectable<LinksTable>): Link {
  const where = `links row ${row.mailbox_id}/${row.object_kind}/${row.sync_id}`;
  return {
    mailboxId: row.mailbox_id,
    objectKind: readObjectKind(row.object_kind, where),
    syncId: row.sync_id,
    mailboxItemId: row.mailbox_item_id,
    crmRecordId: row.crm_record_id,
    mailboxVersion: row.mailbox_version,
    crmVersion: row.crm_version,
    base: readMappedValues(row.base, `base of ${where}`),
    baseHash: row.base_hash,
    origin: readSide(row.origin, `origin of ${where}`),
    tombstone: row.tombstone === null ? null : readSide(row.tombstone, `tombstone of ${where}`),
  };
}

export function toIntentRow(intent: Intent, createdAt: string): Insertable<IntentsTable> {
  return {
    mailbox_id: intent.mailboxId,
    object_kind: intent.objectKind,
    sync_id: intent.syncId,
    source_side: intent.sourceSide,
    source_id: intent.sourceId,
    created_at: createdAt,
  };
}

export function fromIntentRow(row: Selectable<IntentsTable>): Intent {
  const where = `intents row ${row.mailbox_id}/${row.object_kind}/${row.sync_id}`;
  return {
    mailboxId: row.mailbox_id,
    objectKind: readObjectKind(row.object_kind, where),
    sourceSide: readSide(row.source_side, `source_side of ${where}`),
    sourceId: row.source_id,
    syncId: row.sync_id,
  };
}

export function toPendingRow(item: PendingItem): Insertable<PendingItemsTable> {
  return {
    mailbox_id: item.mailboxId,
    object_kind: item.objectKind,
    side: item.side,
    item_id: item.itemId,
    code: item.code,
    message: item.message,
    attempts: item.attempts,
  };
}

export function fromPendingRow(row: Selectable<PendingItemsTable>): PendingItem {
  const where = `pending_items row ${row.mailbox_id}/${row.object_kind}/${row.side}/${row.item_id}`;
  return {
    mailboxId: row.mailbox_id,
    objectKind: readObjectKind(row.object_kind, where),
    side: readSide(row.side, where),
    itemId: row.item_id,
    code: row.code,
    message: row.message,
    attempts: row.attempts,
  };
}
