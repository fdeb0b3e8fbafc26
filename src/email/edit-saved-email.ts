import type { EmailRecordObject, EmailSaveStore } from '../domain/email-saves.ts';
import type { Failure } from '../domain/errors.ts';
import { cutShort } from './body-cut.ts';
import type { EmailRecordWriter } from './ports.ts';

/** A person's deliberate change to a saved email. Absent fields stay as they are. */
export interface EmailEdit {
  readonly subject?: string;
  /** Account or Opportunity the email is related to; null removes it. */
  readonly whatId?: string | null;
  /** Who a sender or recipient address is: a Contact, Lead or User id, or null for nobody. */
  readonly people?: readonly { readonly address: string; readonly recordId: string | null }[];
}

export type EditResult =
  | { readonly status: 'updated'; readonly recordId: string; readonly sobject: EmailRecordObject; readonly changed: readonly string[] }
  | { readonly status: 'notFound' }
  | { readonly status: 'rejected'; readonly field: string; readonly message: string }
  | { readonly status: 'failed'; readonly failure: Failure };

/**
 * Salesforce lets an integration change only custom fields (and IsExternallyVisible) of an EmailMessage that is not
 * a draft (Object Reference, EmailMessage, "update() is supported when an email record is in Draft status").
 */
const EMAIL_MESSAGE_READ_ONLY =
  'cannot change on a saved EmailMessage: Salesforce accepts updates of custom fields only once an email is sent or received. Change the people it is related to instead, or delete the email in Salesforce and save it again';

export interface EditSavedEmailOptions {
  readonly orgId: string;
  readonly recordId: string;
  /** When set, only an email this mailbox saved is found. */
  readonly savedByMailboxId?: string;
  readonly edit: EmailEdit;
  readonly store: EmailSaveStore;
  readonly writer: EmailRecordWriter;
}

/** Apply a person's edit to an email the org saved; other records are not found, even when they exist in Salesforce. */
export async function editSavedEmail(options: EditSavedEmailOptions): Promise<EditResult> {
  const entry = await options.store.findSavedEmailByRecordId(options.orgId, options.recordId);
  if (entry === null || (options.savedByMailboxId !== undefined && !entry.mailboxIds.includes(options.savedByMailboxId))) {
    return { status: 'notFound' };
  }
  const { sobject, messageKey } = entry.save;
  const edit = options.edit;

  if (sobject === 'Task') {
    return editTask(options, edit);
  }
  if (edit.subject !== undefined) {
    return { status: 'rejected', field: 'subject', message: `subject ${EMAIL_MESSAGE_READ_ONLY}` };
  }
  if (edit.whatId !== undefined) {
    return { status: 'rejected', field: 'whatId', message: `whatId (RelatedToId) ${EMAIL_MESSAGE_READ_ONLY}` };
  }
  if (edit.people === undefined || edit.people.length === 0) {
    return { status: 'updated', recordId: options.recordId, sobject, changed: [] };
  }

  const record = (await options.writer.findByKeys(sobject, [messageKey])).get(messageKey);
  if (record === undefined) {
    return { status: 'notFound' };
  }
  const changes: { relationRecordId: string; relationId: string | null }[] = [];
  for (const [index, person] of edit.people.entries()) {
    const address = person.address.trim().toLowerCase();
    const relations = record.relations.filter((relation) => relation.address === address);
    if (relations.length === 0) {
      return { status: 'rejected', field: `people[${index}].address`, message: `${person.address} is not a sender or recipient of this email: give one of its addresses` };
    }
    changes.push(...relations.filter((relation) => relation.relationId !== person.recordId).map((relation) => ({ relationRecordId: relation.id, relationId: person.recordId })));
  }
  if (changes.length === 0) {
    return { status: 'updated', recordId: options.recordId, sobject, changed: [] };
  }
  const outcomes = await options.writer.relinkRelations(changes);
  const failed = [...outcomes.values()].find((outcome) => !outcome.ok);
  if (failed !== undefined && !failed.ok) {
    return { status: 'failed', failure: failed.failure };
  }
  return { status: 'updated', recordId: options.recordId, sobject, changed: ['people'] };
}

async function editTask(options: EditSavedEmailOptions, edit: EmailEdit): Promise<EditResult> {
  const values: Record<string, unknown> = {};
  if (edit.subject !== undefined) {
    values.Subject = cutShort(`Email: ${edit.subject}`, 255);
  }
  if (edit.whatId !== undefined) {
    values.WhatId = edit.whatId;
  }
  if (edit.people !== undefined) {
    const linked = edit.people.filter((person) => person.recordId !== null);
    if (linked.length > 1) {
      return { status: 'rejected', field: 'people', message: 'An email saved as a Task has one person (WhoId): give one person with a recordId' };
    }
    values.WhoId = linked[0]?.recordId ?? null;
  }
  const changed = Object.keys(values);
  if (changed.length === 0) {
    return { status: 'updated', recordId: options.recordId, sobject: 'Task', changed };
  }
  const outcome = await options.writer.updateRecord('Task', options.recordId, values);
  return outcome.ok ? { status: 'updated', recordId: options.recordId, sobject: 'Task', changed } : { status: 'failed', failure: outcome.failure };
}
