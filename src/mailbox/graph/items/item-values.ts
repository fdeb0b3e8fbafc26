import { DateTime } from 'luxon';
import { ConnectorError } from '../../../domain/errors.ts';
import { graphZone } from '../graph-date-time.ts';
import type { GraphDateTimeTimeZone } from '../graph-types.ts';
import { htmlToText } from '../html-to-text.ts';

/** Value conversions the task and contact mappings share. */

/** Modification time used when a payload has none: the oldest possible, so it never wins a latest-wins conflict. */
const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

export interface VersionedItem {
  readonly changeKey?: string | null;
  readonly '@odata.etag'?: string;
  readonly lastModifiedDateTime?: string | null;
}

/** Read the version: the changeKey, or the same value unwrapped from the weak ETag `W/"…"` when a payload has only that. */
export function versionOf(item: VersionedItem): string {
  if (item.changeKey) {
    return item.changeKey;
  }

  const etag = item['@odata.etag'];
  if (etag) {
    return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
  }
  return item.lastModifiedDateTime ?? '';
}

export function modifiedAtOf(item: VersionedItem): string {
  if (!item.lastModifiedDateTime) {
    return UNKNOWN_MODIFIED_AT;
  }

  const parsed = DateTime.fromISO(item.lastModifiedDateTime, { zone: 'UTC' });
  return parsed.isValid ? (parsed.toUTC().toISO() as string) : UNKNOWN_MODIFIED_AT;
}

/**
 * The calendar date a Graph value stands for when the service keeps a date as midnight of some zone and returns it
 * converted, e.g. a To Do due date written for 25 August in New York comes back as `2020-08-25T04:00:00` UTC.
 * A value that is midnight in its own zone, or in the mailbox's zone, names that date. Otherwise the nearest UTC
 * midnight gives the date, which is exact for midnights of zones from UTC-12 to UTC+11:59 and for the mid-day
 * instants some clients store.
 */
export function dateOfMidnight(value: GraphDateTimeTimeZone, mailboxZone: string): string {
  const zone = graphZone(value.timeZone) ?? 'UTC';
  const wall = DateTime.fromISO(value.dateTime, { zone });
  if (!wall.isValid) {
    throw new Error(`Graph dateTime "${value.dateTime}" is not an ISO date-time: ${wall.invalidExplanation ?? 'invalid'}`);
  }

  if (isMidnight(wall)) {
    return wall.toISODate() as string;
  }
  const inMailbox = wall.setZone(mailboxZone);
  if (isMidnight(inMailbox)) {
    return inMailbox.toISODate() as string;
  }
  return wall.toUTC().plus({ hours: 12 }).startOf('day').toISODate() as string;
}

function isMidnight(value: DateTime): boolean {
  return value.hour === 0 && value.minute === 0 && value.second === 0 && value.millisecond === 0;
}

/** Plain text of an item body; HTML is converted, and an empty body is null. */
export function textOfBody(body: { readonly contentType?: string | null; readonly content?: string | null } | null | undefined): string | null {
  const content = body?.content;
  if (!content) {
    return null;
  }

  const text = body.contentType?.toLowerCase() === 'html' ? htmlToText(content) : content.replace(/\r\n/g, '\n').trimEnd();
  return text === '' ? null : text;
}

export function nonEmpty(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}

export function oneOf<T extends string>(allowed: readonly T[], value: string | null | undefined, fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** Check a canonical `YYYY-MM-DD`, so a malformed one fails its own write instead of reaching Graph. */
export function checkedDate(value: string, field: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !DateTime.fromISO(value, { zone: 'UTC' }).isValid) {
    throw invalidValue(`${field} "${value}" is not a calendar date; use YYYY-MM-DD`);
  }
  return value;
}

/** Check a canonical ISO instant like `checkedDate`, and return it in UTC. */
export function checkedInstant(value: string, field: string): string {
  const parsed = DateTime.fromISO(value, { setZone: true });
  if (!parsed.isValid || !/(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    throw invalidValue(`${field} "${value}" is not an ISO instant; use a date-time with Z or an offset, e.g. 2026-05-04T13:00:00Z`);
  }
  return parsed.toUTC().toISO() as string;
}

/** Build the failure of one write whose canonical value cannot be written; the other writes go on. */
function invalidValue(message: string): ConnectorError {
  return new ConnectorError({ kind: 'itemError', code: 'InvalidItemValue', message });
}
