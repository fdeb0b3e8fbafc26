import type { Change, ItemSnapshot, ItemSource, PullResult } from '../domain/connector.ts';
import type { Side } from '../domain/glossary.ts';
import type { Intent, Link, PendingItem } from '../domain/link.ts';
import type { ItemState, ItemView } from './plan.ts';

export interface GatherOptions<T> {
  readonly side: Side;
  readonly source: ItemSource<T>;
  readonly pull: PullResult<T>;
  readonly links: readonly Link[];
  readonly pending: readonly PendingItem[];
  readonly intents: readonly Intent[];
  readonly toView: (snapshot: ItemSnapshot<T>) => ItemView<T>;
  /** Items to read by id although the pull did not mention them: both items of a pair the table gained keys for. */
  readonly readIds?: readonly string[];
}

/**
 * Turn one side's pull into the planner's item states:
 * - the last change per id wins (a delta round may carry one id twice);
 * - a full listing that lacks a linked item counts as a possible deletion;
 * - a possible deletion of a linked item is confirmed by reading it: still there means it only left the window;
 * - items that failed last session, sources of unlinked intents and the items of `readIds` are read again;
 * - copies a crashed session created under a recorded intent are found by their sync id.
 */
export async function gatherSideStates<T>(options: GatherOptions<T>): Promise<Map<string, ItemState<T>>> {
  const states = new Map<string, ItemState<T>>();
  // A tombstone's item on the side that deleted it is gone for good; only the surviving side is watched.
  const watchedLinks = options.links.filter((link) => link.tombstone !== options.side);
  const linkedIds = new Set(watchedLinks.map((link) => (options.side === 'mailbox' ? link.mailboxItemId : link.crmRecordId)));
  const toRead = new Set<string>();

  // The source of an intent is watched like a linked item: its deletion decides what happens to its copy.
  const watchedIds = new Set([...linkedIds, ...options.intents.filter((intent) => intent.sourceSide === options.side).map((intent) => intent.sourceId)]);
  for (const change of options.pull.changes) {
    applyChange(states, toRead, change, watchedIds, options.toView);
  }

  if (options.pull.isFullListing) {
    for (const id of linkedIds) {
      if (!states.has(id)) {
        toRead.add(id);
      }
    }
  }

  // An unlinked intent source the pull did not mention may have been created and deleted between two pulls.
  for (const intent of options.intents) {
    if (intent.sourceSide === options.side && !states.has(intent.sourceId) && !linkedIds.has(intent.sourceId)) {
      toRead.add(intent.sourceId);
    }
  }

  for (const item of options.pending) {
    if (item.side === options.side && !states.has(item.itemId)) {
      toRead.add(item.itemId);
    }
  }

  for (const id of options.readIds ?? []) {
    if (!states.has(id)) {
      toRead.add(id);
    }
  }

  await readAndSettle(options, states, toRead);
  await findIntentCopies(options, states, linkedIds);
  return states;
}

function applyChange<T>(
  states: Map<string, ItemState<T>>,
  toRead: Set<string>,
  change: Change<T>,
  linkedIds: ReadonlySet<string>,
  toView: (snapshot: ItemSnapshot<T>) => ItemView<T>,
): void {
  if (change.kind === 'upsert') {
    toRead.delete(change.id);
    states.set(change.id, { kind: 'upsert', view: toView(change) });
    return;
  }

  states.delete(change.id);
  if (!change.mayStillExist) {
    toRead.delete(change.id);
    states.set(change.id, { kind: 'deleted' });
    return;
  }

  // A removal the side cannot vouch for matters only for linked items, and only once a read confirms it.
  if (linkedIds.has(change.id)) {
    toRead.add(change.id);
  }
}

async function readAndSettle<T>(options: GatherOptions<T>, states: Map<string, ItemState<T>>, toRead: ReadonlySet<string>): Promise<void> {
  if (toRead.size === 0) {
    return;
  }

  const found = await options.source.readItems([...toRead]);
  for (const id of toRead) {
    const snapshot = found.get(id);
    states.set(id, snapshot ? { kind: 'upsert', view: options.toView(snapshot) } : { kind: 'deleted' });
  }
}

async function findIntentCopies<T>(options: GatherOptions<T>, states: Map<string, ItemState<T>>, linkedIds: ReadonlySet<string>): Promise<void> {
  // Intents for creates on this side come from items of the other side.
  const syncIds = options.intents.filter((intent) => intent.sourceSide !== options.side).map((intent) => intent.syncId);
  if (syncIds.length === 0) {
    return;
  }

  const copies = await options.source.findBySyncIds(syncIds);
  for (const [syncId, snapshot] of copies) {
    if (linkedIds.has(snapshot.id)) {
      continue;
    }
    states.set(snapshot.id, { kind: 'upsert', view: options.toView({ ...snapshot, syncId }) });
  }
}
