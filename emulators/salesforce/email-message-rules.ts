import { SfError } from './sf-error.ts';
import { findField, type SObjectDef } from './schema/field-def.ts';
import type { SfRecord } from './record-table.ts';

/** EmailMessage.Status of a draft. */
const DRAFT = '5';

/**
 * An EmailMessage that is not a draft accepts updates of custom fields and IsExternallyVisible only, and of Status
 * only from 0 (New) to 1 (Read) (Object Reference, EmailMessage, "Special Access Rules"). A field sent with its
 * current value counts as an update too, so an upsert that matches a saved email fails. The error code is assumed:
 * the Object Reference names none.
 */
export function checkEmailMessageUpdate(def: SObjectDef, previous: SfRecord, patch: SfRecord): void {
  if (def.name !== 'EmailMessage' || previous.Status === DRAFT) {
    return;
  }
  const refused = Object.keys(patch).filter((name) => {
    const field = findField(def, name);
    if (field === undefined || field.custom || field.name === 'IsExternallyVisible') {
      return false;
    }
    return !(field.name === 'Status' && previous.Status === '0' && patch.Status === '1');
  });
  if (refused.length > 0) {
    throw new SfError(400, 'INSUFFICIENT_ACCESS_OR_READONLY',
      `You can't change ${refused.join(', ')} of an email message that isn't a draft; only custom fields and IsExternallyVisible can be updated.`, refused);
  }
}
