import { field, picklist, systemField, type FieldDef } from './field-def.ts';

/**
 * The Event fields of Recurring Events 2.0 (Lightning event series). IsRecurrence2 with Recurrence2PatternText (an
 * RFC 5545 RRULE) creates a series, and the server sets the exception and exclusion flags. RecurrenceActivityId is
 * the older recurrence's link from an occurrence to its series.
 * NOTE: the emulator fills RecurrenceActivityId for 2.0 occurrences too, an assumption that lets a client group them.
 */
export function eventSeriesFields(): FieldDef[] {
  return [
    field({ name: 'IsRecurrence2', label: 'Event Series', type: 'boolean', nillable: false, defaultedOnCreate: true,
      updateable: false }),
    field({ name: 'Recurrence2PatternText', label: 'Recurrence Pattern', type: 'textarea', length: 1000 }),
    field({ name: 'Recurrence2PatternVersion', label: 'Pattern Version', type: 'picklist', length: 40,
      picklistValues: picklist(['1']), restrictedPicklist: true }),
    field({ name: 'Recurrence2PatternTimeZone', label: 'Pattern Time Zone', type: 'string', length: 40 }),
    systemField({ name: 'Recurrence2PatternStartDate', label: 'Pattern Start Date', type: 'datetime', nillable: true }),
    systemField({ name: 'IsRecurrence2Exception', label: 'Is Exception', type: 'boolean' }),
    systemField({ name: 'IsRecurrence2Exclusion', label: 'Historical Event, Not Following Recurrence', type: 'boolean' }),
    // 3 marks the record that contains a series' pattern. The emulator keeps the pattern on the occurrences and
    // never writes 3, but a query that filters on the value still runs.
    systemField({ name: 'GroupEventType', label: 'Group Event Type', type: 'picklist', length: 40, nillable: true,
      picklistValues: picklist(['0', '1', '2', '3']) }),
    systemField({ name: 'RecurrenceActivityId', label: 'Recurrence Activity ID', type: 'reference', length: 18,
      nillable: true, referenceTo: ['Event'], relationshipName: 'RecurrenceActivity' }),
  ];
}
