import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { CrmRecord, ItemSnapshot, ItemSource, PullResult, SyncWindow, Write, WriteResult } from '../../domain/connector.ts';
import { ConnectorError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { SyncPolicy } from '../../sync/policy.ts';
import type { RecurringEventsMode, SeriesMaster, SeriesMasterReader, SeriesRecord, SeriesRegistryStore } from '../../sync/series-mode-types.ts';
import type { SalesforceRecordSource } from './record-source.ts';
import { toId18 } from './record-id.ts';
import { claimMembers, deleteCancelled, freeMembers, slotOfInstant, type ClaimOutcome, type SeriesClaimDeps, type SettledSeries, type SlotCreate } from './series-claims.ts';
import type { SeriesOrg } from './series-org.ts';
import { seriesPatternOf } from './series-pattern.ts';
import { seriesInsertValues } from './series-records.ts';

/**
 * Series mode: a mailbox series that is new to Salesforce becomes one Salesforce event series (Recurring Events 2.0)
 * instead of one Event per occurrence. The engine still plans one pair per mailbox occurrence; this module changes
 * how the Salesforce creates of those pairs are carried out:
 * 1. the series is recorded in the store's series registry, then its first occurrence is inserted with the series'
 *    RRULE bounded to the end of the sync window, so Salesforce generates no occurrence beyond the window;
 * 2. every other create claims the generated occurrence Event of the same slot that no link pairs yet, changed only
 *    where the mailbox occurrence differs (an exception), so each pair links to Salesforce's own occurrence;
 * 3. generated occurrences inside the window that no link pairs and whose slot the mailbox series lacks (cancelled
 *    ones) are deleted.
 * Claims and deletions work in any later session too: after a crash between the insert and the commit, the registry
 * names the series (found by the insert's sync id), and the later chunks of a chunked read claim their members. On the
 * pull side, a member no link pairs is never taken for a meeting made in Salesforce. Once linked, occurrences are
 * ordinary pairs. Occurrences that enter the window later are written one by one, like in occurrence mode.
 *
 * In mode `occurrences` no new series is written, but the series the registry names are still held back, claimed and
 * cleared of cancelled members, so that switching the mode after a crash brings nothing back. A mailbox without
 * registered series costs the one registry read per session.
 *
 * A series is written in series form only when its first occurrence is among this session's creates. So a series
 * already mirrored occurrence by occurrence (before the switch to series mode) keeps its pairs and gains no second
 * Event, and a series whose start lies before the window stays in occurrence mode.
 */

export interface SeriesModeOptions {
  readonly mode: RecurringEventsMode;
  readonly org: SeriesOrg;
  readonly masters: SeriesMasterReader;
  /** The store's record of the series written for this mailbox. */
  readonly registry: SeriesRegistryStore;
  readonly mailboxId: string;
  /** Reads an UNTIL of an all-day series, which Exchange ends at midnight of the organizer's zone. */
  readonly mailboxTimeZone: string;
  /**
   * Addresses of the org's other synced mailboxes whose calendars flow into Events. A series one of them takes part in
   * is a shared meeting, written occurrence by occurrence.
   */
  readonly otherSyncedAddresses?: readonly string[];
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** A Salesforce create or update about to be sent, with the mailbox item it comes from. */
export interface SeriesPendingWrite {
  readonly syncId: string;
  readonly op: 'create' | 'update';
  readonly item: unknown;
}

interface SeriesCreate extends SlotCreate {
  readonly event: CalendarEvent;
}

/** The part of the session's `beforeCrmWrites` context that series mode reads. */
export interface SeriesPrepareContext {
  readonly window: SyncWindow;
  readonly policy: SyncPolicy;
  /** Mailbox items this session pairs with an existing Event (its id), or leaves to another synced mailbox's Event (null). */
  readonly keptFromCrm?: ReadonlyMap<string, { readonly item: unknown; readonly crmRecordId: string | null }>;
}

export class SalesforceSeriesMode {
  private readonly events = new Map<string, CalendarEvent>();
  private window: SyncWindow | null = null;
  private policy: SyncPolicy | null = null;
  private keptFromCrm: ReadonlyMap<string, { readonly item: unknown; readonly crmRecordId: string | null }> = new Map();
  private active: Promise<boolean> | null = null;
  private registered: Promise<Map<string, SeriesRecord>> | null = null;
  /** Rows of stopped sessions that `registry` resolved and that are not stored yet. */
  private resolution: { readonly settled: readonly SeriesRecord[]; readonly dropped: readonly string[] } | null = null;
  /** Registered series (by Salesforce id) whose members the pull held back, not yet checked for cancelled ones. */
  private readonly heldBack = new Set<string>();
  private source: ItemSource<CrmRecord> | null = null;

  constructor(private readonly options: SeriesModeOptions) {}

  /**
   * Note the mailbox occurrences among the session's Salesforce creates, learn once per session whether series mode
   * applies, and delete the cancelled members of registered series the pull held back. Throws when the org setting
   * forces series mode on an org without Recurring Events 2.0.
   */
  async prepare(writes: readonly SeriesPendingWrite[], context: SeriesPrepareContext): Promise<readonly string[]> {
    const { window } = context;
    this.window = window;
    this.policy = context.policy;
    this.keptFromCrm = context.keptFromCrm ?? new Map();
    for (const write of writes) {
      const event = write.item as Partial<CalendarEvent>;
      if (write.op === 'create' && event.recurrence?.seriesId !== undefined) {
        this.events.set(write.syncId, event as CalendarEvent);
      }
    }
    await this.storeResolution();
    await this.deleteHeldBackCancelled(window);
    if (this.events.size === 0 || this.options.mode === 'occurrences') {
      return [];
    }
    await this.isActive();
    return [];
  }

  /** Wrap the Event source so that the creates of new series go through series form. */
  wrap(source: SalesforceRecordSource): SalesforceRecordSource {
    this.source = source;
    return {
      get calls() {
        return source.calls;
      },
      recordUrl: (id) => source.recordUrl(id),
      pullChanges: (cursor, window) => this.pullChanges(source, cursor, window),
      readItems: (ids) => source.readItems(ids),
      findBySyncIds: (syncIds) => source.findBySyncIds(syncIds),
      applyWrites: (writes) => this.applyWrites(source, writes),
    };
  }

  private isActive(): Promise<boolean> {
    if (this.options.mode === 'occurrences') {
      return Promise.resolve(false);
    }
    this.active ??= this.options.org.recurrenceForm().then((form) => {
      if (form === 'recurrence2') {
        return true;
      }
      if (this.options.mode === 'series') {
        throw new ConnectorError({
          kind: 'suspend',
          code: 'RECURRING_EVENTS_UNAVAILABLE',
          message: `salesforce.recurringEvents is "series", but this org has no Recurring Events 2.0 (its Event object shows the ${form} form): `
            + 'turn on Recurring Events 2.0 in Salesforce Setup (Activity Settings, API 52.0 or later), or set salesforce.recurringEvents to "auto" or "occurrences"',
        });
      }
      return false;
    });
    return this.active;
  }

  /**
   * Return the registered series of the mailbox by mailbox series id, read once per session. A row left without a Salesforce
   * id by a session that stopped after recording it gets the series of the Event its sync id names, or is dropped.
   */
  private registry(source: ItemSource<CrmRecord>): Promise<Map<string, SeriesRecord>> {
    this.registered ??= (async () => {
      const { registry, mailboxId } = this.options;
      const rows = await registry.listSeries(mailboxId);
      const unsettled = rows.filter((row) => row.crmSeriesId === null);
      const heads = unsettled.length === 0 ? new Map<string, ItemSnapshot<CrmRecord>>() : await source.findBySyncIds(unsettled.map((row) => row.headSyncId));
      const parents = heads.size === 0 ? new Map<string, string>() : await this.options.org.seriesOfRecords([...heads.values()].map((head) => head.id));
      const result = new Map<string, SeriesRecord>();
      const dropped: string[] = [];
      const settled: SeriesRecord[] = [];
      for (const row of rows) {
        const head = row.crmSeriesId === null ? heads.get(row.headSyncId) : undefined;
        const crmSeriesId = row.crmSeriesId ?? (head === undefined ? null : (parents.get(head.id) ?? null));
        if (crmSeriesId === null) {
          dropped.push(row.mailboxSeriesId);
          continue;
        }
        if (row.crmSeriesId === null) settled.push({ ...row, crmSeriesId });
        result.set(row.mailboxSeriesId, { ...row, crmSeriesId });
      }
      // A dry run pulls too, and writes nothing: the store learns the resolution when the session first writes.
      this.resolution = { settled, dropped };
      return result;
    })();
    return this.registered;
  }

  /** Store what `registry` resolved of rows a stopped session left, once, before this session's first write. */
  private async storeResolution(): Promise<void> {
    const resolution = this.resolution;
    if (resolution === null) {
      return;
    }
    this.resolution = null;
    const { registry, mailboxId, logger } = this.options;
    for (const row of resolution.settled) {
      await registry.settleSeries(mailboxId, row.mailboxSeriesId, String(row.crmSeriesId));
    }
    if (resolution.dropped.length > 0) {
      await registry.forgetSeries(mailboxId, resolution.dropped);
    }
    if (resolution.settled.length + resolution.dropped.length > 0) {
      logger.info({ settled: resolution.settled.length, dropped: resolution.dropped.length }, 'Resolved event series a stopped session had started to write');
    }
  }

  /** Pull, holding back the members of registered series that no link pairs: they are no meetings made in Salesforce. */
  private async pullChanges(source: SalesforceRecordSource, cursor: string | null, window: SyncWindow): Promise<PullResult<CrmRecord>> {
    const pull = await source.pullChanges(cursor, window);
    const bySalesforceId = new Map([...(await this.registry(source)).values()].map((row) => [toId18(String(row.crmSeriesId)), row]));
    const upserts = pull.changes.filter((change) => change.kind === 'upsert').map((change) => change.id);
    if (bySalesforceId.size === 0 || upserts.length === 0) {
      return pull;
    }
    const linked = await this.options.registry.mailboxesOfCrmRecords(upserts);
    const unlinked = upserts.filter((id) => !linked.has(id));
    const parents = unlinked.length === 0 ? new Map<string, string>() : await this.options.org.seriesOfRecords(unlinked);
    const heldIds = new Set<string>();
    for (const [id, parent] of parents) {
      const row = bySalesforceId.get(toId18(parent));
      // A member the series was not generated with comes from a pattern change made in Salesforce: it syncs as usual.
      if (row !== undefined && (row.memberIds === null || row.memberIds.some((member) => toId18(member) === toId18(id)))) {
        heldIds.add(toId18(id));
        this.heldBack.add(toId18(parent));
      }
    }
    if (heldIds.size === 0) {
      return pull;
    }
    this.options.logger.debug({ members: heldIds.size }, 'Held back occurrences of event series Syncline wrote that no link pairs yet');
    return { ...pull, changes: pull.changes.filter((change) => !heldIds.has(toId18(change.id))) };
  }

  private async deleteHeldBackCancelled(window: SyncWindow): Promise<void> {
    const source = this.source;
    if (this.heldBack.size === 0 || source === null) {
      return;
    }
    const rows = [...(await this.registry(source)).values()].filter((row) => this.heldBack.has(toId18(String(row.crmSeriesId))));
    this.heldBack.clear();
    for (const row of rows) {
      const deps = this.claimDeps(source, window);
      const settled = settledOf(row);
      await deleteCancelled(deps, { mailbox: settled.mailboxSeriesId, crm: settled.crmSeriesId }, await freeMembers(deps, settled));
    }
  }

  private async applyWrites(source: ItemSource<CrmRecord>, writes: readonly Write<CrmRecord>[]): Promise<WriteResult[]> {
    const bySeries = new Map<string, SeriesCreate[]>();
    for (const write of writes) {
      const event = write.op === 'create' ? this.events.get(write.syncId) : undefined;
      if (write.op !== 'create' || event?.recurrence === null || event?.recurrence === undefined) {
        continue;
      }
      const group = bySeries.get(event.recurrence.seriesId) ?? [];
      group.push({ write, event, slot: slotOfInstant(event.recurrence.originalStart, event.span.kind === 'allDay') });
      bySeries.set(event.recurrence.seriesId, group);
    }
    if (bySeries.size === 0) {
      return source.applyWrites(writes);
    }
    const writesSeries = await this.isActive();
    const registered = await this.registry(source);
    // Creates of registered series claim their members in every mode; only an active series mode writes new series.
    if (!writesSeries && ![...bySeries.keys()].some((seriesId) => registered.has(seriesId))) {
      return source.applyWrites(writes);
    }

    await this.storeResolution();
    const newSeries = writesSeries ? [...bySeries.keys()].filter((seriesId) => !registered.has(seriesId)) : [];
    const masters = newSeries.length === 0 ? new Map<string, SeriesMaster>() : await this.options.masters.readSeriesMasters(newSeries);
    const handled = new Set<string>();
    const results: WriteResult[] = [];
    for (const [seriesId, creates] of bySeries) {
      const row = registered.get(seriesId);
      const master = masters.get(seriesId);
      const outcome = row !== undefined
        ? await claimMembers(this.claimDeps(source), settledOf(row), creates)
        : master === undefined ? null : await this.writeSeries(source, seriesId, master, creates);
      if (outcome !== null) {
        results.push(...outcome.results);
        outcome.refs.forEach((ref) => handled.add(ref));
      }
    }
    const rest = writes.filter((write) => !handled.has(write.ref));
    return [...results, ...(rest.length > 0 ? await source.applyWrites(rest) : [])];
  }

  /** Write one series in series form, bounded to the window; null when it stays in occurrence mode. */
  private async writeSeries(source: ItemSource<CrmRecord>, seriesId: string, master: SeriesMaster, creates: readonly SeriesCreate[]): Promise<ClaimOutcome | null> {
    const { logger, registry, mailboxId } = this.options;
    if (master.rule === null) {
      logger.info({ seriesId }, 'Series stays in occurrence mode: its pattern has no RRULE form');
      return null;
    }
    const pattern = seriesPatternOf(master.rule, master.first, this.options.mailboxTimeZone, this.window?.end ?? null);
    if (!pattern.ok) {
      logger.info({ seriesId, reason: pattern.reason }, 'Series stays in occurrence mode');
      return null;
    }
    // A series of one occurrence would be a single Event that merely looks recurring in Salesforce.
    if (pattern.occurrences < 2) {
      logger.info({ seriesId }, 'Series stays in occurrence mode: the sync window contains one occurrence of it');
      return null;
    }
    const firstSlot = master.first.kind === 'allDay' ? master.first.startDate : new Date(master.first.start).toISOString();
    const head = creates.find((create) => create.slot === firstSlot);
    // A head that moved or changed would lend its own values to every generated occurrence.
    if (head === undefined || head.event.recurrence?.role !== 'occurrence') {
      logger.info({ seriesId }, 'Series stays in occurrence mode: its first occurrence is not new in this window, or is an exception');
      return null;
    }
    // An occurrence another synced mailbox owns keeps that mailbox's Event, which a generated occurrence would double.
    // Which occurrences that mailbox owns can change from one chunk or session to the next, so any series another
    // synced mailbox takes part in is written occurrence by occurrence, one Event per meeting as for single events.
    const hasOccurrenceWithoutCreate = [...this.keptFromCrm.values()].some((entry) => (entry.item as Partial<CalendarEvent>).recurrence?.seriesId === seriesId);
    if (hasOccurrenceWithoutCreate || this.sharedWithSyncedMailbox(head.event)) {
      logger.info({ seriesId }, 'Series stays in occurrence mode: some of its occurrences have Events already, or another synced mailbox takes part in it');
      return null;
    }

    // Recorded first, so that a session after a crash between the insert and the commit finds the series.
    await registry.recordSeriesIntent({ mailboxId, mailboxSeriesId: seriesId, headSyncId: head.write.syncId, createdAt: (this.options.now?.() ?? new Date()).toISOString() });
    const [inserted] = await source.applyWrites([{ ...head.write, item: { ...head.write.item, ...seriesInsertValues(pattern.text, master.first) } }]);
    if (inserted === undefined || !inserted.ok) {
      await registry.forgetSeries(mailboxId, [seriesId]);
      logger.warn({ seriesId, code: inserted?.ok === false ? inserted.failure.code : 'MISSING_RESULT' }, 'Salesforce refused the event series; its occurrences are written one by one');
      return null;
    }
    // The insert returns the series' first occurrence, whose id the series' occurrences name as RecurrenceActivityId.
    await registry.settleSeries(mailboxId, seriesId, inserted.id);
    // Later chunks of this session's read claim their members through the registry too.
    const row: SettledSeries = { mailboxId, mailboxSeriesId: seriesId, headSyncId: head.write.syncId, crmSeriesId: inserted.id, memberIds: null, createdAt: '' };
    (await this.registry(source)).set(seriesId, row);

    const rest = creates.filter((create) => create !== head);
    const claimed = await claimMembers(this.claimDeps(source), row, rest, [inserted.id]);
    logger.info({ seriesId, occurrences: pattern.occurrences, linked: claimed.refs.length + 1, deleted: claimed.deleted }, 'Wrote a mailbox series as one Salesforce event series, up to the end of the sync window');
    return { results: [inserted, ...claimed.results], refs: [head.write.ref, ...claimed.refs], deleted: claimed.deleted };
  }

  /** Return true when the organizer or an attendee of the event is another synced mailbox of the org. */
  private sharedWithSyncedMailbox(event: CalendarEvent): boolean {
    const others = new Set((this.options.otherSyncedAddresses ?? []).map((address) => address.toLowerCase()));
    if (others.size === 0) {
      return false;
    }
    const people = [event.organizer, ...event.attendees].flatMap((person) => (person?.email ? [person.email.toLowerCase()] : []));
    return people.some((address) => others.has(address));
  }

  private claimDeps(source: ItemSource<CrmRecord>, window = this.window): SeriesClaimDeps {
    const policy = this.policy;
    if (window === null || policy === null) {
      throw new Error('Series mode wrote before the session prepared its Salesforce writes; call prepare first');
    }
    const { org, registry, masters, mailboxId, logger } = this.options;
    // The session's later claims and pulls then know which members the series was generated with.
    const membersRead = async (row: SeriesRecord): Promise<void> => {
      (await this.registry(source)).set(row.mailboxSeriesId, row);
    };
    const pairedNow = [...this.keptFromCrm.values()].flatMap((kept) => (kept.crmRecordId === null ? [] : [kept.crmRecordId]));
    return { source, org, registry, masters, mailboxId, window, policy, keptOut: new Set(this.keptFromCrm.keys()), pairedNow, logger, membersRead };
  }
}

/** Return a registered series whose Salesforce id `registry` has resolved. */
function settledOf(row: SeriesRecord): SettledSeries {
  if (row.crmSeriesId === null) {
    throw new Error(`The event series of mailbox series ${row.mailboxSeriesId} has no Salesforce id yet`);
  }
  return { ...row, crmSeriesId: row.crmSeriesId };
}
