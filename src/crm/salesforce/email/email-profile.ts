import type { EmailRecordObject } from '../../../domain/email-saves.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { EmailOrgProfile } from '../../../email/ports.ts';
import type { SalesforceRecordClient } from '../record-client.ts';
import type { FieldIndex } from '../value-checks.ts';

export interface EmailFieldNames {
  /** External ID text field that carries the message key. */
  readonly messageKeyField: string;
  /** Checkbox that marks emails saved through the HTTP API. */
  readonly addInField: string;
}

/** Return where an admin creates a custom field of `sobject`, because Task custom fields are defined on Activity. */
function fieldHome(sobject: EmailRecordObject): string {
  return sobject === 'Task' ? 'the Activity object (Task custom fields live there)' : 'EmailMessage';
}

/**
 * Decide which object saves use and check its fields by describe. `auto` picks EmailMessage when the org can create
 * it for any email (Enhanced Email) and a Task otherwise. Throws a `suspend` ConnectorError that names the missing
 * setup and the fix, because every save of the org would fail the same way.
 */
export async function loadEmailProfile(
  client: SalesforceRecordClient,
  mode: 'auto' | 'enhancedEmail' | 'task',
  fields: EmailFieldNames,
): Promise<EmailOrgProfile> {
  const features = await client.probeFeatures(['EmailMessage', 'EmailMessageRelation', 'Task', 'ContentVersion'], fields.messageKeyField);
  if (mode === 'enhancedEmail' && !features.enhancedEmail) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'ENHANCED_EMAIL_OFF',
      message: 'The org cannot create EmailMessage records for emails (Enhanced Email is off, or the integration user lacks access): turn on Enhanced Email in Setup, or set the org\'s emailSaving.recordMode to auto or task',
    });
  }
  const sobject: EmailRecordObject = mode === 'task' || !features.enhancedEmail ? 'Task' : 'EmailMessage';
  const info = await client.describe(sobject);
  assertMessageKeyField(info.fields, fields.messageKeyField, sobject);
  assertAddInField(info.fields, fields.addInField, sobject);

  const fieldLengths: Record<string, number> = {};
  for (const field of info.fields.values()) {
    if (field.length > 0) {
      fieldLengths[field.name] = field.length;
    }
  }
  return { sobject, fieldLengths };
}

function assertMessageKeyField(index: FieldIndex, name: string, sobject: EmailRecordObject): void {
  const field = index.get(name.toLowerCase());
  const where = fieldHome(sobject);
  if (field === undefined) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'FIELD_NOT_IN_ORG',
      message: `The message key field ${name} is missing on ${sobject}, or the integration user may not see it: create it on ${where} as a Text(255) field marked External ID and Unique, with edit access for the integration user, or set the org's emailSaving.messageKeyField`,
      fields: [name],
    });
  }
  if (!field.externalId) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'MESSAGE_KEY_FIELD_NOT_EXTERNAL_ID',
      message: `The message key field ${field.name} on ${where} is not an External ID, so Syncline cannot upsert saved emails by it: mark it External ID (and Unique), or set the org's emailSaving.messageKeyField to a field that is`,
      fields: [field.name],
    });
  }
  if (!field.createable) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'MESSAGE_KEY_FIELD_READ_ONLY',
      message: `The integration user may not set the message key field ${field.name} on ${where}: give the user edit access to it (field-level security), or set the org's emailSaving.messageKeyField`,
      fields: [field.name],
    });
  }
}

function assertAddInField(index: FieldIndex, name: string, sobject: EmailRecordObject): void {
  const field = index.get(name.toLowerCase());
  const where = fieldHome(sobject);
  if (field === undefined) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'FIELD_NOT_IN_ORG',
      message: `The field ${name}, which marks emails saved through the Syncline API, is missing on ${sobject}, or the integration user may not see it: create it on ${where} as a Checkbox (default unchecked) with edit access for the integration user, or set the org's emailSaving.addInField`,
      fields: [name],
    });
  }
  if (field.type !== 'boolean' || !field.createable) {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'ADD_IN_FIELD_INVALID',
      message: `The field ${field.name} on ${where} must be a Checkbox the integration user may set (it is ${field.type}${field.createable ? '' : ', read-only'}): change the field, or set the org's emailSaving.addInField`,
      fields: [field.name],
    });
  }
}
