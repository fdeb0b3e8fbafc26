import type { EventSpan } from '../../domain/calendar-event.ts';
import { toId18 } from './record-id.ts';
import { parseSalesforceDatetime } from './soql.ts';

/**
 * The Event side of a Salesforce event series (Recurring Events 2.0): the values that make an insert a series, and
 * the occurrence Events that Salesforce generates for it, found by their slot. A mailbox occurrence is paired with
 * the occurrence Event of the same slot, so that no occurrence of the series is created a second time.
 */

/** Return the values that, added to an Event insert, make Salesforce create the series `patternText` describes. */
export function seriesInsertValues(patternText: string, first: EventSpan): Record<string, string | boolean> {
  return {
    IsRecurrence2: true,
    Recurrence2PatternText: patternText,
    // An all-day series has no zone of its own: its occurrences are dates.
    ...(first.kind === 'timed' ? { Recurrence2PatternTimeZone: first.timeZone } : {}),
  };
}

/**
 * Return the slot of an occurrence Event: the UTC instant it starts at, or its date in an all-day series. The mailbox
 * side names an occurrence's slot the same way (its original start), so both sides meet on this key.
 */
export function occurrenceSlotOf(record: Readonly<Record<string, unknown>>): string | null {
  if (record.IsAllDayEvent === true) {
    return typeof record.ActivityDate === 'string' ? record.ActivityDate.slice(0, 10) : null;
  }
  const start = typeof record.StartDateTime === 'string' ? parseSalesforceDatetime(record.StartDateTime) : undefined;
  return start === undefined ? null : new Date(start).toISOString();
}

/** Return the ids of a series' live occurrence Events by slot; `seriesId` is the id the series insert returned. */
export function occurrencesBySlot(records: readonly Readonly<Record<string, unknown>>[], seriesId: string): Map<string, string> {
  const series = toId18(seriesId);
  const bySlot = new Map<string, string>();
  for (const record of records) {
    const slot = occurrenceSlotOf(record);
    const parent = typeof record.RecurrenceActivityId === 'string' ? toId18(record.RecurrenceActivityId) : null;
    if (slot !== null && parent === series && record.IsDeleted !== true) {
      bySlot.set(slot, String(record.Id));
    }
  }
  return bySlot;
}
