import type { CustomFieldSpec } from './org-schemas.ts';

/** The custom fields an org sets up for Syncline's email saving, on EmailMessage and on Activity (Task). */
export interface EmailFieldNames {
  /** External ID text field that carries the message key. */
  messageKeyField: string;
  /** Checkbox true for emails saved through Syncline's HTTP API. */
  addInField: string;
}

export const DEFAULT_EMAIL_FIELDS: EmailFieldNames = { messageKeyField: 'Syncline_Message_Key__c', addInField: 'AddInEmail__c' };

/** The custom field specs for `names`; none for null (an org not set up for email saving). */
export function emailCustomFields(names: EmailFieldNames | null): CustomFieldSpec[] {
  if (names === null) {
    return [];
  }
  return ['EmailMessage', 'Task'].flatMap((sobject): CustomFieldSpec[] => [
    { sobject, name: names.messageKeyField, type: 'string', length: 255, externalId: true, unique: true },
    { sobject, name: names.addInField, type: 'boolean' },
  ]);
}
