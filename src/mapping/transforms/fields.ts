import type { FieldPair } from '../field-pair.ts';

/** The pair's Salesforce field at `index`; validation makes sure the transform's fields are all there. */
export function crmField(pair: FieldPair, index = 0): string {
  const field = pair.crmFields[index];
  if (field === undefined) {
    throw new TypeError(`Pair "${pair.key}" needs a Salesforce field at position ${index + 1}`);
  }
  return field;
}

/** The pair's mailbox field; only constants have none, and they never read or write the mailbox. */
export function mailboxField(pair: FieldPair): string {
  if (pair.mailboxField === null) {
    throw new TypeError(`Pair "${pair.key}" has no mailbox field`);
  }
  return pair.mailboxField;
}
