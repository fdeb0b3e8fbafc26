import { soqlString } from './soql.ts';
import type { FieldIndex } from './value-checks.ts';

/** The conditions a record of an object meets to belong to a kind, besides being owned by the mailbox owner. */
export interface RecordScope {
  /** Fields that place a record in the sync window: a full listing reads only records that overlap it. */
  readonly window?: { readonly start: string; readonly end: string };
  /** Checkbox fields that must be false, where the object has them: IsRecurrence leaves out series masters. */
  readonly falseWhereExists?: readonly string[];
  /** Values to leave out, where the object has the field: TaskSubtype `Email` leaves out saved emails. */
  readonly excludeWhereExists?: readonly { readonly field: string; readonly value: string }[];
  /** Only records whose sync id starts with this: the records a kind created in another kind's object. */
  readonly syncIdPrefix?: string;
  /** Leave out records whose sync id starts with one of these: another kind's records in this object. */
  readonly excludeSyncIdPrefixes?: readonly string[];
}

/**
 * The standard Event scope: the owner's events in the window, without series masters of old-style recurring events
 * and without the record that holds the pattern of a Recurring Events 2.0 series (GroupEventType 3, as the Change
 * Data Capture guide shows it), whose occurrences are Events of their own.
 */
export const EVENT_SCOPE: RecordScope = {
  window: { start: 'StartDateTime', end: 'EndDateTime' },
  falseWhereExists: ['IsRecurrence'],
  excludeWhereExists: [{ field: 'GroupEventType', value: '3' }],
};

/** Build the SOQL conditions of a scope for an object whose fields are `index`. */
export function scopeConditions(scope: RecordScope, index: FieldIndex, syncIdField: string): string[] {
  const has = (field: string) => index.has(field.toLowerCase());
  const conditions: string[] = [];
  for (const field of scope.falseWhereExists ?? []) {
    if (has(field)) {
      conditions.push(`${field} = false`);
    }
  }
  for (const { field, value } of scope.excludeWhereExists ?? []) {
    if (has(field)) {
      conditions.push(`${field} != ${soqlString(value)}`);
    }
  }
  if (scope.syncIdPrefix !== undefined) {
    conditions.push(`${syncIdField} LIKE ${soqlString(`${plainPrefix(scope.syncIdPrefix)}%`)}`);
  }
  for (const prefix of scope.excludeSyncIdPrefixes ?? []) {
    conditions.push(`(${syncIdField} = null OR (NOT ${syncIdField} LIKE ${soqlString(`${plainPrefix(prefix)}%`)}))`);
  }
  return conditions;
}

/** Return the prefix, after checking it has no LIKE wildcards: a wildcard would match more than the prefix itself. */
function plainPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9:-]+$/.test(prefix)) {
    throw new TypeError(`Sync id prefix ${JSON.stringify(prefix)} may hold letters, digits, colons and dashes only`);
  }
  return prefix;
}
