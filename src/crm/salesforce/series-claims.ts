import type { CrmRecord, ItemSnapshot, ItemSource, SyncWindow, Write, WriteResult } from '../../domain/connector.ts';
import type { Logger } from '../../observability/logger.ts';
import { startsSyncingMailboxEvent } from '../../sync/plan-unsync.ts';
import type { SyncPolicy } from '../../sync/policy.ts';
import type { SeriesMasterReader, SeriesRecord, SeriesRegistryStore } from '../../sync/series-mode-types.ts';
import { toId18 } from './record-id.ts';
import { occurrenceSlotOf } from './series-records.ts';
import type { SeriesOrg } from './series-org.ts';

/**
 * The members of a Salesforce event series that Syncline wrote: the generated occurrence Events no link pairs yet.
 * A mailbox occurrence's create claims the member of its slot; a member whose slot the mailbox has no occurrence for
 * (a cancelled one) is deleted. Both work at any later session too, so a repair after a crash and the later chunks of
 * a chunked read pair with the series instead of writing its occurrences a second time.
 */

/** A Salesforce create of a mailbox occurrence, with the slot (original start) of that occurrence. */
export interface SlotCreate {
  readonly write: Extract<Write<CrmRecord>, { op: 'create' }>;
  readonly slot: string;
}

export interface SeriesClaimDeps {
  readonly source: ItemSource<CrmRecord>;
  readonly org: SeriesOrg;
  readonly registry: SeriesRegistryStore;
  readonly masters: SeriesMasterReader;
  readonly mailboxId: string;
  readonly window: SyncWindow;
  /** The session's policy: a mailbox occurrence it keeps out of Salesforce claims no member. */
  readonly policy: SyncPolicy;
  /** Mailbox occurrences this session pairs with an existing Event or leaves to another mailbox: they claim no member. */
  readonly keptOut: ReadonlySet<string>;
  /** Salesforce records this session pairs with mailbox occurrences without a create: a member among them is not free. */
  readonly pairedNow: readonly string[];
  readonly logger: Logger;
  /** Called when a claim has read the generated members of a series whose row did not name them yet. */
  readonly membersRead?: (row: SeriesRecord) => Promise<void>;
}

/** A registered series whose Salesforce id is known. */
export type SettledSeries = SeriesRecord & { readonly crmSeriesId: string };

export interface ClaimOutcome {
  readonly results: WriteResult[];
  /** Refs of the creates the series' members carried out. */
  readonly refs: string[];
  readonly deleted: number;
}

/**
 * Return the series' generated members no link pairs, by slot; `except` names ids that are being paired in this
 * write. The first call for a series records its members as the generated ones, so that members a pattern change in
 * Salesforce adds later are never claimed or deleted here.
 */
export async function freeMembers(deps: SeriesClaimDeps, row: SettledSeries, except: readonly string[] = []): Promise<Map<string, string>> {
  const members = await deps.org.occurrencesOf(row.crmSeriesId);
  const ids = members.map((record) => String(record.Id));
  let generated = row.memberIds;
  if (generated === null) {
    generated = ids.map(toId18);
    await deps.registry.recordSeriesMembers(row.mailboxId, row.mailboxSeriesId, generated);
    await deps.membersRead?.({ ...row, memberIds: generated });
  }
  const known = new Set(generated.map(toId18));
  const linked = await deps.registry.mailboxesOfCrmRecords(ids);
  const unavailable = new Set([...except, ...deps.pairedNow, ...linked.keys()].map(toId18));
  const bySlot = new Map<string, string>();
  for (const record of members) {
    const id = toId18(String(record.Id));
    const slot = occurrenceSlotOf(record);
    if (slot !== null && known.has(id) && !unavailable.has(id)) bySlot.set(slot, String(record.Id));
  }
  return bySlot;
}

/**
 * Carry out the creates whose slot has a free member as updates of that member, changed only in the fields that
 * differ. A claim writes no sync id: an edit of one occurrence makes it an exception in Salesforce, and the series
 * registry pairs members by series and slot. Then delete the free members inside the window that no mailbox occurrence
 * will claim.
 */
export async function claimMembers(deps: SeriesClaimDeps, row: SettledSeries, creates: readonly SlotCreate[], except: readonly string[] = []): Promise<ClaimOutcome> {
  const free = await freeMembers(deps, row, except);
  const paired = creates.filter((create) => free.has(create.slot));
  const snapshots = await deps.source.readItems(paired.map((create) => String(free.get(create.slot))));

  const results: WriteResult[] = [];
  const updates: Write<CrmRecord>[] = [];
  for (const create of paired) {
    const id = String(free.get(create.slot));
    free.delete(create.slot);
    const snapshot = snapshots.get(id);
    const patch = snapshot === undefined ? create.write.item : differingFields(create.write.item, snapshot);
    if (Object.keys(patch).length === 0) {
      results.push({ ref: create.write.ref, ok: true, id, version: snapshot?.version ?? null });
    } else {
      updates.push({ op: 'update', ref: create.write.ref, id, patch, expectedVersion: null });
    }
  }
  const sent = updates.length > 0 ? await deps.source.applyWrites(updates) : [];
  const deleted = await deleteCancelled(deps, { mailbox: row.mailboxSeriesId, crm: row.crmSeriesId }, free);
  return { results: [...results, ...sent], refs: paired.map((create) => create.write.ref), deleted };
}

/**
 * Delete the free members inside the window that no mailbox occurrence will claim. The mailbox series has none at
 * their slot (the mailbox cancelled it), or the occurrence there is paired with an Event of its own already. Or the
 * session does not start syncing that occurrence: a private one under `privateItems: skip`, one outside the selection,
 * or one an un-sync rule matches. The members are Syncline's own artifacts, so the org's deletion policy does not hold
 * them back.
 */
export async function deleteCancelled(deps: SeriesClaimDeps, seriesIds: { mailbox: string; crm: string }, free: ReadonlyMap<string, string>): Promise<number> {
  const inWindow = [...free].filter(([slot]) => insideWindow(slot, deps.window));
  if (inWindow.length === 0) {
    return 0;
  }
  const instances = (await deps.masters.readSeriesInstances(seriesIds.mailbox, deps.window)) ?? [];
  const paired = await deps.registry.linkedEventItems(deps.mailboxId, instances.map((instance) => instance.id));
  // Both forms of each start: a series is all-day or timed throughout, so a date meets only all-day members.
  const awaited = new Set(instances.filter((instance) => !paired.has(instance.id) && !deps.keptOut.has(instance.id) && startsSyncingMailboxEvent(instance.event, deps.policy))
    .flatMap((instance) => [slotOfInstant(instance.originalStart, true), slotOfInstant(instance.originalStart, false)]));
  const unclaimable = inWindow.filter(([slot]) => !awaited.has(slot));
  if (unclaimable.length === 0) {
    return 0;
  }
  const writes: Write<CrmRecord>[] = unclaimable.map(([, id]) => ({ op: 'delete', ref: `series-member:${id}`, id }));
  let deleted = 0;
  for (const result of await deps.source.applyWrites(writes)) {
    if (result.ok || result.failure.kind === 'notFound') {
      deleted += 1;
      deps.logger.info({ seriesId: seriesIds.crm, recordId: result.ref.slice('series-member:'.length) }, 'Deleted an occurrence of a Salesforce event series Syncline wrote, because no mailbox occurrence pairs with it');
    } else {
      deps.logger.warn({ seriesId: seriesIds.crm, code: result.failure.code }, 'An occurrence of an event series Syncline wrote stayed in Salesforce without a mailbox occurrence; delete it there');
    }
  }
  return deleted;
}

/** Return the slot of a mailbox occurrence: the UTC instant of its original start, or its date in an all-day series. */
export function slotOfInstant(originalStart: string, allDay: boolean): string {
  if (allDay) {
    return originalStart.slice(0, 10);
  }
  const at = Date.parse(originalStart);
  return Number.isNaN(at) ? originalStart : new Date(at).toISOString();
}

export function insideWindow(slot: string, window: SyncWindow): boolean {
  const at = Date.parse(slot.length === 10 ? `${slot}T00:00:00Z` : slot);
  return at >= Date.parse(window.start) && at < Date.parse(window.end);
}

/** Return the fields of a create whose values the generated occurrence does not already hold. */
function differingFields(expected: CrmRecord, snapshot: ItemSnapshot<CrmRecord>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(expected)) {
    if (name in snapshot.item && !sameValue(value, snapshot.item[name])) {
      patch[name] = value;
    }
  }
  return patch;
}

function sameValue(a: unknown, b: unknown): boolean {
  const empty = (value: unknown) => value === null || value === undefined || value === '';
  if (empty(a) && empty(b)) {
    return true;
  }
  if (typeof a === 'string' && typeof b === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(a) && /^\d{4}-\d{2}-\d{2}T/.test(b)) {
    return parseInstant(a) === parseInstant(b);
  }
  return a === b;
}

/** Salesforce writes `+0000` offsets, which Date.parse does not read everywhere. */
function parseInstant(value: string): number {
  return Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}
