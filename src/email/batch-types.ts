import type { MessageSource } from '../domain/email-message.ts';
import type { EmailRecordObject, EmailSaveStore, MailboxEmailSave, SavedEmail, SavedEmailEntry } from '../domain/email-saves.ts';
import type { Failure } from '../domain/errors.ts';
import type { LinkResolver } from '../domain/linking.ts';
import type { Logger } from '../observability/logger.ts';
import type { SkippedAttachment } from './attachment-rules.ts';
import type { ClaimOptions } from './claims.ts';
import type { IdentifiedCandidate } from './identify.ts';
import type { EmailOrgProfile, EmailRecordWriter, ExistingEmailRecord } from './ports.ts';
import type { EmailSavingSettings } from './settings.ts';

/** Everything a batch of saves needs from its mailbox, org and connectors. */
export interface BatchContext {
  readonly orgId: string;
  readonly mailbox: { readonly id: string; readonly address: string; readonly timeZone: string };
  readonly ownerUserId: string;
  readonly source: MessageSource;
  readonly writer: EmailRecordWriter;
  readonly resolver: LinkResolver;
  readonly store: EmailSaveStore;
  readonly settings: EmailSavingSettings;
  readonly profile: EmailOrgProfile;
  /** True for saves a person asked for through the HTTP API: their records get the API mark. */
  readonly addInEmail: boolean;
  /** Claims are held under this name; an engine session uses one per mailbox so a rerun after a crash takes its own claims back. */
  readonly holder: string;
  readonly claims: ClaimOptions;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** A message that could not be saved this time. */
export interface ItemFailure {
  readonly mailboxItemId: string;
  readonly key: string;
  readonly failure: Failure;
  readonly recordId: string | null;
}

export type BatchSkipReason = 'alreadySaved' | 'deletedInSalesforce' | 'duplicate';

export interface SavedItem {
  readonly key: string;
  readonly recordId: string;
  readonly sobject: EmailRecordObject;
  /** True when this batch created the Salesforce record. */
  readonly created: boolean;
  /** True when this mailbox had saved the email before. */
  readonly alreadySaved: boolean;
}

/** The outcome of a batch, for the commit and the report. */
export interface BatchResult {
  readonly saves: SavedEmail[];
  readonly mailboxSaves: MailboxEmailSave[];
  /** Saved messages by mailbox item id. */
  readonly saved: Map<string, SavedItem>;
  readonly skipped: Map<string, BatchSkipReason>;
  readonly failures: ItemFailure[];
  readonly skippedAttachments: SkippedAttachment[];
  relationsAdded: number;
  attachmentsSaved: number;
  recordsCreated: number;
}

/** The work on one email: its candidate and, once known, its record. */
export interface EmailWork {
  readonly candidate: IdentifiedCandidate;
  readonly registered: SavedEmailEntry | null;
  record: ExistingEmailRecord | null;
  created: boolean;
  /** True when the relations went out with the record, so they are not written again in this batch. */
  relationsWritten: boolean;
  /** False once a write for this copy failed: the mailbox's save is then not registered, and the message is retried. */
  complete: boolean;
}
