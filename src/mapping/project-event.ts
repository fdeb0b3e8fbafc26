import type { CalendarEvent } from '../domain/calendar-event.ts';
import type { CrmRecord } from '../domain/connector.ts';
import type { MappedValues } from '../domain/link.ts';
import { EVENT_TRANSFORM_TABLE } from './event-transforms.ts';
import type { EventFieldPair, EventMapping, TransformContext } from './field-pair.ts';

/** The pairs a side reads changes from: every active pair whose direction starts on that side. */
export function pairsFlowingFrom(mapping: EventMapping, side: 'mailbox' | 'crm'): EventFieldPair[] {
  const from = side === 'mailbox' ? 'mailboxToCrm' : 'crmToMailbox';
  return mapping.pairs.filter((pair) => pair.direction === 'both' || pair.direction === from);
}

export function activePairs(mapping: EventMapping): EventFieldPair[] {
  return mapping.pairs.filter((pair) => pair.direction !== 'off');
}

export function projectMailboxEvent(mapping: EventMapping, event: CalendarEvent): MappedValues {
  const values: Record<string, MappedValues[string]> = {};
  for (const pair of activePairs(mapping)) {
    values[pair.key] = EVENT_TRANSFORM_TABLE[pair.transform].fromMailbox(event, pair);
  }
  return values;
}

export function projectCrmRecord(mapping: EventMapping, record: CrmRecord): MappedValues {
  const values: Record<string, MappedValues[string]> = {};
  for (const pair of activePairs(mapping)) {
    values[pair.key] = EVENT_TRANSFORM_TABLE[pair.transform].fromCrm(record, pair);
  }
  return values;
}

/** Salesforce field values for the given mapped values (only the keys present are written). */
export function toCrmFields(mapping: EventMapping, values: MappedValues): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const pair of activePairs(mapping)) {
    if (pair.key in values) {
      Object.assign(fields, EVENT_TRANSFORM_TABLE[pair.transform].toCrm(values[pair.key] ?? null, pair));
    }
  }
  return fields;
}

/** A partial CalendarEvent for the given mapped values (only the keys present are written). */
export function toMailboxPatch(mapping: EventMapping, values: MappedValues, context: TransformContext): Partial<CalendarEvent> {
  const patch: Partial<CalendarEvent> = {};
  for (const pair of activePairs(mapping)) {
    if (pair.key in values) {
      Object.assign(patch, EVENT_TRANSFORM_TABLE[pair.transform].toMailbox(values[pair.key] ?? null, pair, context));
    }
  }
  return patch;
}

/** A whole new mailbox event from mapped values, with neutral values for what the mapping does not carry. */
export function toNewMailboxEvent(mapping: EventMapping, values: MappedValues, context: TransformContext): CalendarEvent {
  const defaults: CalendarEvent = {
    subject: '',
    span: { kind: 'timed', start: new Date(0).toISOString(), end: new Date(0).toISOString(), timeZone: context.mailboxTimeZone },
    location: null,
    body: null,
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: null,
    attendees: [],
    recurrence: null,
    isCancelled: false,
    iCalUId: null,
  };
  return { ...defaults, ...toMailboxPatch(mapping, values, context) };
}

/** The Salesforce fields a connector must read for this mapping. */
export function eventCrmFields(mapping: EventMapping): string[] {
  return [...new Set(activePairs(mapping).flatMap((pair) => pair.crmFields))];
}
