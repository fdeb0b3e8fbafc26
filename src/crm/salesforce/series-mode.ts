import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { CrmRecord, ItemSnapshot, ItemSource, SyncWindow, Write, WriteResult } from '../../domain/connector.ts';
import { ConnectorError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { RecurringEventsMode, SeriesMaster, SeriesMasterReader } from '../../sync/series-mode-types.ts';
import type { SalesforceRecordClient } from './record-client.ts';
import type { SalesforceRecordSource } from './record-source.ts';
import { recurrenceFormOf, type RecurrenceForm } from './recurrence-form.ts';
import { seriesPatternOf } from './series-pattern.ts';
import { occurrenceSlotOf, seriesInsertValues } from './series-records.ts';

/**
 * Series mode: a mailbox series that is new to Salesforce becomes one Salesforce event series (Recurring Events 2.0)
 * instead of one Event per occurrence. The engine still plans one pair per mailbox occurrence; this module changes
 * how the Salesforce creates of those pairs are carried out:
 * 1. the series' first occurrence is inserted with the series' RRULE, and Salesforce generates the others;
 * 2. every other create returns the generated occurrence Event of the same slot, changed only where the mailbox
 *    occurrence differs (an exception), so each pair links to Salesforce's own occurrence;
 * 3. generated occurrences inside the window that no mailbox occurrence claims (cancelled ones) are deleted.
 * Once linked, occurrences are ordinary pairs: edits and deletions on either side flow like any other event.
 *
 * A series is written in series form only when its first occurrence is among this session's creates. So a series
 * already mirrored occurrence by occurrence (before the switch to series mode) keeps its pairs and gains no second
 * Event, and a series whose start lies before the window stays in occurrence mode.
 *
 * NOTE: a loaded configuration never reaches this mode (the config schema rejects `auto` and `series`), because the
 * generated occurrences beyond the window, and all of them after a crash before the commit, stay unlinked. The engine
 * later matches them by subject and time or creates them in the mailbox, so deleted or cancelled meetings come back and
 * exceptions are doubled (docs/recurrence.md#series-mode).
 */

/** Access to the org that series mode needs: the Event describe, and the occurrences of a series. */
export interface SeriesOrg {
  recurrenceForm(): Promise<RecurrenceForm>;
  /** The live occurrence Events of a series, with Id, StartDateTime, IsAllDayEvent and ActivityDate; never its pattern record. */
  occurrencesOf(seriesId: string): Promise<readonly CrmRecord[]>;
}

export function seriesOrgOf(client: SalesforceRecordClient): SeriesOrg {
  return {
    recurrenceForm: async () => recurrenceFormOf((await client.describe('Event')).fields),
    // A real org may keep the series' pattern in a record of its own (GroupEventType 3) with the same
    // RecurrenceActivityId. That record is no occurrence, so it is never linked or deleted as a stray one.
    occurrencesOf: (seriesId) => client.selectWhereIn('Event', ['StartDateTime', 'IsAllDayEvent', 'ActivityDate', 'RecurrenceActivityId', 'GroupEventType'],
      'RecurrenceActivityId', [seriesId], "GroupEventType != '3'"),
  };
}

export interface SeriesModeOptions {
  readonly mode: RecurringEventsMode;
  readonly org: SeriesOrg;
  readonly masters: SeriesMasterReader;
  /** Reads an UNTIL of an all-day series, which Exchange ends at midnight of the organizer's zone. */
  readonly mailboxTimeZone: string;
  readonly logger: Logger;
}

/** A Salesforce create or update about to be sent, with the mailbox item it comes from. */
export interface SeriesPendingWrite {
  readonly syncId: string;
  readonly op: 'create' | 'update';
  readonly item: unknown;
}

interface SeriesCreate {
  readonly write: Extract<Write<CrmRecord>, { op: 'create' }>;
  readonly event: CalendarEvent;
  readonly slot: string;
}

export class SalesforceSeriesMode {
  private readonly events = new Map<string, CalendarEvent>();
  private window: SyncWindow | null = null;
  private active: Promise<boolean> | null = null;

  constructor(private readonly options: SeriesModeOptions) {}

  /**
   * Note the mailbox occurrences among the session's Salesforce creates, and learn once per session whether series
   * mode applies. Throws when the org setting forces series mode on an org without Recurring Events 2.0.
   */
  async prepare(writes: readonly SeriesPendingWrite[], window: SyncWindow): Promise<readonly string[]> {
    this.window = window;
    for (const write of writes) {
      const event = write.item as Partial<CalendarEvent>;
      if (write.op === 'create' && event.recurrence?.seriesId !== undefined) {
        this.events.set(write.syncId, event as CalendarEvent);
      }
    }
    if (this.events.size === 0 || this.options.mode === 'occurrences') {
      return [];
    }
    await this.isActive();
    return [];
  }

  /** Wrap the Event source so that the creates of new series go through series form. */
  wrap(source: SalesforceRecordSource): SalesforceRecordSource {
    return {
      get calls() {
        return source.calls;
      },
      recordUrl: (id) => source.recordUrl(id),
      pullChanges: (cursor, window) => source.pullChanges(cursor, window),
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

  private async applyWrites(source: ItemSource<CrmRecord>, writes: readonly Write<CrmRecord>[]): Promise<WriteResult[]> {
    const bySeries = new Map<string, SeriesCreate[]>();
    for (const write of writes) {
      const event = write.op === 'create' ? this.events.get(write.syncId) : undefined;
      if (write.op !== 'create' || event?.recurrence === null || event?.recurrence === undefined) {
        continue;
      }
      const group = bySeries.get(event.recurrence.seriesId) ?? [];
      group.push({ write, event, slot: mailboxSlot(event.recurrence.originalStart, event.span.kind === 'allDay') });
      bySeries.set(event.recurrence.seriesId, group);
    }
    if (bySeries.size === 0 || !(await this.isActive())) {
      return source.applyWrites(writes);
    }

    const masters = await this.options.masters.readSeriesMasters([...bySeries.keys()]);
    const handled = new Set<string>();
    const results: WriteResult[] = [];
    for (const [seriesId, creates] of bySeries) {
      const master = masters.get(seriesId);
      const outcome = master === undefined ? null : await this.writeSeries(source, seriesId, master, creates);
      if (outcome !== null) {
        results.push(...outcome.results);
        outcome.refs.forEach((ref) => handled.add(ref));
      }
    }
    const rest = writes.filter((write) => !handled.has(write.ref));
    return [...results, ...(rest.length > 0 ? await source.applyWrites(rest) : [])];
  }

  /** Write one series in series form; null when it stays in occurrence mode. */
  private async writeSeries(source: ItemSource<CrmRecord>, seriesId: string, master: SeriesMaster, creates: readonly SeriesCreate[]): Promise<{ results: WriteResult[]; refs: string[] } | null> {
    const logger = this.options.logger;
    if (master.rule === null) {
      logger.info({ seriesId }, 'Series stays in occurrence mode: its pattern has no RRULE form');
      return null;
    }
    const pattern = seriesPatternOf(master.rule, master.first, this.options.mailboxTimeZone);
    if (!pattern.ok) {
      logger.info({ seriesId, reason: pattern.reason }, 'Series stays in occurrence mode');
      return null;
    }
    const firstSlot = master.first.kind === 'allDay' ? master.first.startDate : new Date(master.first.start).toISOString();
    const head = creates.find((create) => create.slot === firstSlot);
    // A head that moved or changed would lend its own values to every generated occurrence.
    if (head === undefined || head.event.recurrence?.role !== 'occurrence') {
      logger.info({ seriesId }, 'Series stays in occurrence mode: its first occurrence is not new in this window, or is an exception');
      return null;
    }

    const [inserted] = await source.applyWrites([{ ...head.write, item: { ...head.write.item, ...seriesInsertValues(pattern.text, master.first) } }]);
    if (inserted === undefined || !inserted.ok) {
      logger.warn({ seriesId, code: inserted?.ok === false ? inserted.failure.code : 'MISSING_RESULT' }, 'Salesforce refused the event series; its occurrences are written one by one');
      return null;
    }

    const generated = await this.options.org.occurrencesOf(inserted.id);
    const bySlot = new Map<string, string>();
    for (const record of generated) {
      const slot = occurrenceSlotOf(record);
      if (slot !== null && String(record.Id) !== inserted.id) bySlot.set(slot, String(record.Id));
    }
    const paired = creates.filter((create) => create !== head && bySlot.has(create.slot));
    const claimed = new Set(paired.map((create) => bySlot.get(create.slot)));
    const snapshots = await source.readItems([...claimed].filter((id): id is string => id !== undefined));

    const results: WriteResult[] = [inserted];
    const updates: Write<CrmRecord>[] = [];
    for (const create of paired) {
      const id = String(bySlot.get(create.slot));
      const snapshot = snapshots.get(id);
      const patch = snapshot === undefined ? create.write.item : differingFields(create.write.item, snapshot);
      if (Object.keys(patch).length === 0) {
        results.push({ ref: create.write.ref, ok: true, id, version: snapshot?.version ?? null });
      } else {
        updates.push({ op: 'update', ref: create.write.ref, id, patch, expectedVersion: null });
      }
    }
    // Salesforce's occurrences no mailbox occurrence claims, inside the window, are the mailbox's cancelled ones.
    const stray = [...bySlot].filter(([slot, id]) => !claimed.has(id) && this.insideWindow(slot)).map(([, id]) => id);
    const deletes: Write<CrmRecord>[] = stray.map((id) => ({ op: 'delete', ref: `series-stray:${id}`, id }));
    const sent = [...updates, ...deletes].length > 0 ? await source.applyWrites([...updates, ...deletes]) : [];
    for (const result of sent) {
      if (result.ref.startsWith('series-stray:')) {
        if (!result.ok && result.failure.kind !== 'notFound') {
          logger.warn({ seriesId, code: result.failure.code }, 'A cancelled occurrence stayed in Salesforce; delete it there');
        }
        continue;
      }
      results.push(result);
    }
    logger.info({ seriesId, occurrences: pattern.occurrences, linked: paired.length + 1, deleted: stray.length }, 'Wrote a mailbox series as one Salesforce event series');
    return { results, refs: [head.write.ref, ...paired.map((create) => create.write.ref)] };
  }

  private insideWindow(slot: string): boolean {
    if (this.window === null) {
      return false;
    }
    const at = Date.parse(slot.length === 10 ? `${slot}T00:00:00Z` : slot);
    return at >= Date.parse(this.window.start) && at < Date.parse(this.window.end);
  }
}

function mailboxSlot(originalStart: string, allDay: boolean): string {
  return allDay ? originalStart.slice(0, 10) : new Date(originalStart).toISOString();
}

/** The fields of a create whose values the generated occurrence does not already hold. */
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
