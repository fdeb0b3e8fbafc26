import { ConnectorError } from '../../domain/errors.ts';
import type { FieldIndex } from './value-checks.ts';

/**
 * Check that the sync id field can carry creates as upserts: it exists and the integration user sees it, it is an
 * External ID, and the user may set it on create and on update. Throws a `suspend` failure naming the field, the
 * object it lives on and the fix, because every create of the mailbox would fail the same way.
 */
export function assertSyncIdField(index: FieldIndex, name: string, sobject: string): void {
  const where = fieldHome(name, sobject);
  const field = index.get(name.toLowerCase());
  if (field === undefined) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'FIELD_NOT_IN_ORG',
      message: `The sync id field ${name} is missing on ${sobject}, or the integration user may not see it: create it on ${where} as a Text field marked External ID and Unique, with read and edit access for the integration user, or set the org's salesforce.syncIdField`,
      fields: [name],
    });
  }
  if (!field.externalId) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'SYNC_ID_FIELD_NOT_EXTERNAL_ID',
      message: `The sync id field ${field.name} on ${where} is not an External ID, so Syncline cannot upsert by it: mark the field External ID (and Unique), or set the org's salesforce.syncIdField to a field that is`,
      fields: [field.name],
    });
  }
  if (!field.createable || !field.updateable) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'SYNC_ID_FIELD_READ_ONLY',
      message: `The integration user may not edit the sync id field ${field.name} on ${where}: give the user edit access to the field (field-level security), or set the org's salesforce.syncIdField`,
      fields: [field.name],
    });
  }
}

/** Custom fields of Event and Task are defined once, on the Activity object, which is where an admin creates or edits them. */
function fieldHome(name: string, sobject: string): string {
  const isActivity = sobject === 'Event' || sobject === 'Task';
  return isActivity && name.toLowerCase().endsWith('__c') ? 'the Activity object (Event and Task custom fields live there)' : sobject;
}
