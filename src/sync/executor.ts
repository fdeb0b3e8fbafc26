import type { CrmRecord, ItemSource, Write, WriteResult } from '../domain/connector.ts';
import type { Failure } from '../domain/errors.ts';
import type { Side } from '../domain/glossary.ts';
import type { Intent, Link, ObjectKind, PlannedBase } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { SyncStateStore } from '../domain/sync-store.ts';
import type { WriteCounts } from '../domain/session-report.ts';
import { toCrmFields, toMailboxPatch, toNewMailboxItem, type MappingTable } from '../mapping/index.ts';
import type { PairAction } from './plan.ts';
import { planOf } from './planned-base.ts';
import { contentHash } from './values.ts';

export interface ExecuteOptions {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly actions: readonly PairAction[];
  readonly mailboxSource: ItemSource<MailboxItem>;
  readonly crmSource: ItemSource<CrmRecord>;
  readonly store: SyncStateStore;
  readonly mapping: MappingTable;
  readonly mailboxTimeZone: string;
}

export interface FailedWrite {
  readonly action: PairAction;
  readonly side: Side;
  readonly failure: Failure;
}

export interface ExecutionResult {
  readonly upsertLinks: readonly Link[];
  readonly deleteLinks: readonly string[];
  readonly failures: readonly FailedWrite[];
  readonly writes: Readonly<Record<Side, WriteCounts>>;
  /** Sync ids of creates that succeeded, so their intents can go. */
  readonly createdSyncIds: readonly string[];
}

/**
 * Apply a plan: record intents for the creates, send each side's writes in one batch call of its connector,
 * and work out the links that result. Nothing is stored here except the intents; the session commits the
 * links together with the cursors.
 *
 * The planned bases go to the store before any write too. An un-sync's planned base records the un-sync, so a crash
 * between its mailbox delete and the commit leaves a tombstone to finish, not a deletion to pass to Salesforce. That
 * record is stored only right before the mailbox writes: a mailbox item gone before then was deleted by a person.
 */
export async function executePlan(options: ExecuteOptions): Promise<ExecutionResult> {
  await options.store.recordIntents(intentsFor(options));
  const planned = plannedBasesFor(options);
  // The finish of an un-sync a crashed session began keeps its record: its mailbox delete happened already.
  const finishing = new Set(options.actions.filter((action) => action.finishesCrashedUnsync === true).map((action) => action.syncId));
  await options.store.recordPlannedBases(planned.map(({ unsync, ...base }) => (unsync !== undefined && finishing.has(base.syncId) ? { ...base, unsync } : base)));

  const changedMeanwhile = await crmRecordsChangedSinceRead(options);
  const crmWrites = options.actions.filter((action) => !changedMeanwhile.has(action.syncId)).flatMap((action) => crmWriteFor(options, action));
  const crmResults = [...(crmWrites.length > 0 ? await options.crmSource.applyWrites(crmWrites) : []), ...changedMeanwhileResults(changedMeanwhile)];

  // A pair whose Salesforce record changed meanwhile is left alone on both sides, so the next session merges it whole.
  const mailboxWrites = options.actions.filter((action) => !changedMeanwhile.has(action.syncId)).flatMap((action) => mailboxWriteFor(options, action));
  const unsyncs = planned.filter((base) => base.unsync !== undefined && !changedMeanwhile.has(base.syncId));
  if (unsyncs.length > 0) {
    await options.store.recordPlannedBases(unsyncs);
  }
  const mailboxResults = mailboxWrites.length > 0 ? await options.mailboxSource.applyWrites(mailboxWrites) : [];

  return collectOutcomes(options, resultsByRef(crmResults), resultsByRef(mailboxResults), changedMeanwhile);
}

/**
 * Salesforce's sObject Collections take no If-Match, so a record edited in Salesforce between this session's pull
 * and its write would be overwritten without a merge. The records about to be updated are read back first (one
 * query per 200); one whose version moved is left alone this session and merged in the next.
 */
async function crmRecordsChangedSinceRead(options: ExecuteOptions): Promise<Map<string, string>> {
  const checked = options.actions.filter((action) => action.crmWrite?.op === 'update' && action.crmRecordId !== null && action.seenVersions.crm !== null);
  const changed = new Map<string, string>();
  if (checked.length === 0) {
    return changed;
  }

  const current = await options.crmSource.readItems(checked.map((action) => action.crmRecordId as string));
  for (const action of checked) {
    const snapshot = current.get(action.crmRecordId as string);
    if (snapshot?.version !== action.seenVersions.crm) {
      changed.set(action.syncId, action.crmRecordId as string);
    }
  }
  return changed;
}

function changedMeanwhileResults(changed: ReadonlyMap<string, string>): WriteResult[] {
  return [...changed.entries()].map(([syncId, recordId]) => ({
    ref: syncId,
    ok: false,
    failure: {
      kind: 'conflict',
      code: 'CHANGED_DURING_SESSION',
      message: `Salesforce record ${recordId} changed while the session ran; the next session merges both edits`,
    },
  }));
}

function plannedBasesFor(options: ExecuteOptions): PlannedBase[] {
  return options.actions.flatMap((action) => planOf(action, action.mergeBase, options.mailboxId, options.objectKind) ?? []);
}

function intentsFor(options: ExecuteOptions): Intent[] {
  const intents: Intent[] = [];
  for (const action of options.actions) {
    if (action.crmWrite?.op === 'create' && action.mailboxItemId) {
      intents.push({ mailboxId: options.mailboxId, objectKind: options.objectKind, sourceSide: 'mailbox', sourceId: action.mailboxItemId, syncId: action.syncId });
    }
    if (action.mailboxWrite?.op === 'create' && action.crmRecordId) {
      intents.push({ mailboxId: options.mailboxId, objectKind: options.objectKind, sourceSide: 'crm', sourceId: action.crmRecordId, syncId: action.syncId });
    }
  }
  return intents;
}

function crmWriteFor(options: ExecuteOptions, action: PairAction): Write<CrmRecord>[] {
  const write = action.crmWrite;
  if (!write) {
    return [];
  }

  if (write.op === 'create') {
    return [{ op: 'create', ref: action.syncId, syncId: action.syncId, item: toCrmFields(options.mapping, write.values) }];
  }

  const id = requireId(action.crmRecordId, action, 'crm');
  if (write.op === 'delete') {
    return [{ op: 'delete', ref: action.syncId, id }];
  }
  const marker = write.marker === undefined ? {} : { [write.marker.field]: write.marker.value };
  return [{ op: 'update', ref: action.syncId, id, patch: { ...toCrmFields(options.mapping, write.values), ...marker }, expectedVersion: null }];
}

function mailboxWriteFor(options: ExecuteOptions, action: PairAction): Write<MailboxItem>[] {
  const write = action.mailboxWrite;
  if (!write) {
    return [];
  }

  const context = { mailboxTimeZone: options.mailboxTimeZone, currentMailboxItem: action.mailboxItem };
  if (write.op === 'create') {
    return [{ op: 'create', ref: action.syncId, syncId: action.syncId, item: toNewMailboxItem(options.mapping, write.values, context) }];
  }

  const id = requireId(action.mailboxItemId, action, 'mailbox');
  if (write.op === 'delete') {
    return [{ op: 'delete', ref: action.syncId, id }];
  }
  // If-Match with the version this session read: an edit made since then fails with a conflict and is merged next session.
  const patch = toMailboxPatch(options.mapping, write.values, context);
  return [{ op: 'update', ref: action.syncId, id, patch, expectedVersion: action.seenVersions.mailbox }];
}

function collectOutcomes(
  options: ExecuteOptions,
  crmResults: Map<string, WriteResult>,
  mailboxResults: Map<string, WriteResult>,
  changedMeanwhile: ReadonlyMap<string, string>,
): ExecutionResult {
  const upsertLinks: Link[] = [];
  const deleteLinks: string[] = [];
  const failures: FailedWrite[] = [];
  const createdSyncIds: string[] = [];
  const writes = { mailbox: emptyCounts(), crm: emptyCounts() };

  for (const action of options.actions) {
    const crm = outcomeOf(action, 'crm', crmResults, writes.crm, failures);
    if (changedMeanwhile.has(action.syncId)) {
      continue;
    }
    const mailbox = outcomeOf(action, 'mailbox', mailboxResults, writes.mailbox, failures);
    if (!crm.ok || !mailbox.ok) {
      continue;
    }

    if (action.crmWrite?.op === 'create' || action.mailboxWrite?.op === 'create') {
      createdSyncIds.push(action.syncId);
    }

    if (action.nextBase === null) {
      if (action.link) {
        deleteLinks.push(action.syncId);
      }
      continue;
    }

    upsertLinks.push({
      mailboxId: options.mailboxId,
      objectKind: options.objectKind,
      syncId: action.syncId,
      mailboxItemId: mailbox.id ?? requireId(action.mailboxItemId, action, 'mailbox'),
      crmRecordId: crm.id ?? requireId(action.crmRecordId, action, 'crm'),
      mailboxVersion: action.mailboxWrite ? mailbox.version : action.seenVersions.mailbox,
      crmVersion: action.crmWrite ? crm.version : action.seenVersions.crm,
      base: action.nextBase,
      baseHash: contentHash(action.nextBase),
      origin: action.origin,
      tombstone: action.tombstone,
    });
  }

  return { upsertLinks, deleteLinks, failures, writes, createdSyncIds };
}

interface SideOutcome {
  readonly ok: boolean;
  readonly id: string | null;
  readonly version: string | null;
}

function outcomeOf(action: PairAction, side: Side, results: Map<string, WriteResult>, counts: MutableCounts, failures: FailedWrite[]): SideOutcome {
  const write = side === 'crm' ? action.crmWrite : action.mailboxWrite;
  if (!write) {
    return { ok: true, id: null, version: null };
  }

  const result = results.get(action.syncId);
  if (!result) {
    failures.push({ action, side, failure: { kind: 'bug', code: 'MISSING_RESULT', message: `The ${side} connector returned no result for sync id ${action.syncId}` } });
    return { ok: false, id: null, version: null };
  }

  // Deleting what is already gone reaches the goal of the delete.
  const alreadyDeleted = !result.ok && write.op === 'delete' && result.failure.kind === 'notFound';
  if (!result.ok && !alreadyDeleted) {
    failures.push({ action, side, failure: result.failure });
    return { ok: false, id: null, version: null };
  }

  counts[write.op === 'create' ? 'created' : write.op === 'update' ? 'updated' : 'deleted'] += 1;
  return result.ok ? { ok: true, id: result.id, version: result.version } : { ok: true, id: null, version: null };
}

type MutableCounts = { created: number; updated: number; deleted: number };

function emptyCounts(): MutableCounts {
  return { created: 0, updated: 0, deleted: 0 };
}

function resultsByRef(results: readonly WriteResult[]): Map<string, WriteResult> {
  return new Map(results.map((result) => [result.ref, result]));
}

function requireId(id: string | null, action: PairAction, side: Side): string {
  if (id === null) {
    throw new Error(`Plan for sync id ${action.syncId} has no ${side} item id although it writes to an existing item`);
  }
  return id;
}
