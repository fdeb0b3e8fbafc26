import type { SyncWindow } from '../domain/connector.ts';
import type { MappedValue } from '../domain/link.ts';

/** True when a mapped span value overlaps the sync window; all-day dates are taken as whole UTC days. */
export function spanOverlapsWindow(span: MappedValue | undefined, window: SyncWindow): boolean {
  if (span === null || span === undefined || typeof span !== 'object' || Array.isArray(span)) {
    return false;
  }

  const value = span as Record<string, MappedValue>;
  const start = value.allDay === true ? `${String(value.startDate)}T00:00:00.000Z` : String(value.start);
  const end = value.allDay === true ? `${String(value.endDate)}T00:00:00.000Z` : String(value.end);
  return Date.parse(start) < Date.parse(window.end) && Date.parse(end) >= Date.parse(window.start);
}
