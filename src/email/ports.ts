import type { EmailRecordObject } from '../domain/email-saves.ts';
import type { Failure } from '../domain/errors.ts';

/**
 * The Salesforce side of email saving, as the pipeline uses it. The implementation (src/crm/salesforce/email) owns
 * the field names of the message key and the API mark, checks them by describe, and sends the writes in batches.
 */

export const RELATION_TYPES = ['FromAddress', 'ToAddress', 'CcAddress', 'BccAddress'] as const;
export type RelationType = (typeof RELATION_TYPES)[number];

/** A sender or recipient of a saved email: EmailMessageRelation. */
export interface EmailRelation {
  readonly type: RelationType;
  /** Lower case. */
  readonly address: string;
  /** Contact, Lead or User the address belongs to; null when nobody matched. */
  readonly relationId: string | null;
}

export interface ExistingRelation extends EmailRelation {
  /** The EmailMessageRelation record id. */
  readonly id: string;
}

/** A file already saved on an email record, as a ContentVersion first published there. */
export interface SavedFile {
  readonly pathOnClient: string;
  readonly size: number;
}

/** An email record found in Salesforce by its message key. */
export interface ExistingEmailRecord {
  readonly key: string;
  readonly sobject: EmailRecordObject;
  readonly recordId: string;
  /** Empty for a Task. */
  readonly relations: readonly ExistingRelation[];
  readonly files: readonly SavedFile[];
}

/** The object saves use in this org and its text field lengths, learned once per session from describe. */
export interface EmailOrgProfile {
  readonly sobject: EmailRecordObject;
  /** Lengths, in UTF-16 units, of the text fields of `sobject` by field name. */
  readonly fieldLengths: Readonly<Record<string, number>>;
}

export interface NewEmailRecord {
  readonly key: string;
  readonly sobject: EmailRecordObject;
  /** Standard fields by API name; the writer adds the message key and the API mark. */
  readonly values: Readonly<Record<string, unknown>>;
  readonly addInEmail: boolean;
  /** EmailMessageRelation rows written with the record; empty for a Task. */
  readonly relations: readonly EmailRelation[];
}

export type WriteOutcome =
  | { readonly ok: true; readonly id: string; readonly created: boolean | null }
  | { readonly ok: false; readonly failure: Failure; readonly recordId: string | null };

/** The result of a record write with the relations it carried. */
export interface NewRecordOutcome {
  readonly record: WriteOutcome;
  /** One outcome per relation, in the order given. */
  readonly relations: readonly WriteOutcome[];
}

export interface RelationWrite {
  readonly ref: string;
  readonly emailRecordId: string;
  readonly relation: EmailRelation;
}

export interface FileWrite {
  readonly ref: string;
  readonly recordId: string;
  readonly pathOnClient: string;
  readonly bytes: Uint8Array;
}

/** The mailbox owner's Salesforce User, as configuration names it. */
export type MailboxOwner = { readonly id: string } | { readonly email: string };

export interface EmailRecordWriter {
  /** Salesforce requests sent so far. */
  readonly calls: number;

  /**
   * Learn which object saves use (`auto`: EmailMessage when the org has Enhanced Email, else Task) and check that it
   * carries the message key and API mark fields. Throws a `suspend` ConnectorError naming the missing setup and the fix.
   */
  loadProfile(mode: 'auto' | 'enhancedEmail' | 'task'): Promise<EmailOrgProfile>;

  /**
   * The Salesforce User id of a mailbox owner given by id, or by email (active users only). Throws a `suspend`
   * ConnectorError naming the fix when no single active User has the email.
   */
  resolveUserId(owner: MailboxOwner): Promise<string>;

  /** Records of `sobject` carrying these keys, with their relations and files. */
  findByKeys(sobject: EmailRecordObject, keys: readonly string[]): Promise<Map<string, ExistingEmailRecord>>;

  /** Upsert the records by message key, with their relations, in as few calls as the limits allow; by key. */
  createRecords(records: readonly NewEmailRecord[]): Promise<Map<string, NewRecordOutcome>>;

  /** Insert relations of saved EmailMessages; by ref. */
  addRelations(writes: readonly RelationWrite[]): Promise<Map<string, WriteOutcome>>;

  /** Point existing relations at another person (RelationId); by ref, where ref is the relation's record id. */
  relinkRelations(changes: readonly { readonly relationRecordId: string; readonly relationId: string | null }[]): Promise<Map<string, WriteOutcome>>;

  deleteRelations(relationRecordIds: readonly string[]): Promise<Map<string, WriteOutcome>>;

  /** Save files on records (ContentVersion first published on the record); by ref. */
  uploadFiles(files: readonly FileWrite[]): Promise<Map<string, WriteOutcome>>;

  /** Update fields of a saved record (a person's deliberate edit). */
  updateRecord(sobject: EmailRecordObject, recordId: string, values: Readonly<Record<string, unknown>>): Promise<WriteOutcome>;

  /** URL that opens a record in Salesforce Lightning. */
  recordUrl(recordId: string): string;
}
