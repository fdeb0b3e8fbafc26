import type { GraphEvent } from './graph-types.ts';

/**
 * The single-value extended property that carries Syncline's sync id on items it creates. The GUID is
 * Syncline's own property set; it never changes, or items written earlier would no longer be found.
 */
export const SYNC_ID_PROPERTY_ID = 'String {628bdf7a-8025-49cf-b154-5488df70fe46} Name SynclineSyncId';

/** The sync id on a Graph event, when the payload carries the property. */
export function syncIdOf(event: GraphEvent): string | null {
  const wanted = SYNC_ID_PROPERTY_ID.toLowerCase();
  // Graph may echo the property id with different letter case in the GUID.
  const property = event.singleValueExtendedProperties?.find((candidate) => candidate.id.toLowerCase() === wanted);
  const value = property?.value;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** OData string literal: single quotes are doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
