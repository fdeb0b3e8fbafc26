import type { FieldIndex } from './value-checks.ts';

/**
 * How an org keeps recurring events, read from the Event describe:
 * - `recurrence2`: Recurring Events 2.0 (Lightning event series). Event has IsRecurrence2 and a createable
 *   Recurrence2PatternText, which contains an RFC 5545 RRULE. The API creates series this way from version 52.0.
 * - `legacy`: only the older recurrence of Salesforce Classic (IsRecurrence, RecurrenceType, RecurrenceInterval…),
 *   whose series parent Syncline leaves out of reads and whose occurrences it syncs one by one.
 * - `none`: Event has neither (a trimmed profile, or an object without recurrence).
 * The 2.0 fields are read-only in API 44.0 to 51.0, where no series can be created, so those orgs count as legacy.
 * NOTE: the versions come from public summaries of Salesforce's release notes, not from the Object Reference.
 */
export type RecurrenceForm = 'recurrence2' | 'legacy' | 'none';

export function recurrenceFormOf(eventFields: FieldIndex): RecurrenceForm {
  const pattern = eventFields.get('recurrence2patterntext');
  if (pattern?.createable === true && eventFields.has('isrecurrence2')) {
    return 'recurrence2';
  }
  return eventFields.has('isrecurrence') ? 'legacy' : 'none';
}
