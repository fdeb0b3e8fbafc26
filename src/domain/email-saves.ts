/**
 * The registry of saved emails: which emails each org saved to Salesforce, which mailboxes saved them, and the
 * email pipeline's own cursor and retry list per mailbox. It is separate from the mirroring state (links, bases,
 * cursors) because saving is one way and keyed per org, not per mailbox.
 *
 * - message key: an email's identity within an org, written to the External ID field of its Salesforce record
 *   (`m-` and the SHA-256 of the normalized Message-ID, or `f-` and the SHA-256 of the content fingerprint: sender,
 *   send time, subject and the start of the body).
 * - claim: a short lease on one message key, so that only one session or request at a time writes that email.
 */

export const EMAIL_RECORD_OBJECTS = ['EmailMessage', 'Task'] as const;
export type EmailRecordObject = (typeof EMAIL_RECORD_OBJECTS)[number];

/** One saved email of an org. */
export interface SavedEmail {
  readonly orgId: string;
  readonly messageKey: string;
  /** SHA-256 hex of the normalized Message-ID; null when the email has none. */
  readonly messageIdHash: string | null;
  /** SHA-256 hex of the sender, send time and subject, which distinguishes an email from another that reuses its Message-ID. */
  readonly fingerprint: string;
  /** The mailbox side's thread id of the copy saved first; null when it had none. */
  readonly conversationId: string | null;
  /** ISO instant the email was sent (or received, when the send time is unknown); null when neither is known. */
  readonly messageDate: string | null;
  readonly sobject: EmailRecordObject;
  readonly recordId: string;
  /** True when a person saved it through the HTTP API rather than the engine. */
  readonly addInEmail: boolean;
  readonly savedAt: string;
}

/** A mailbox whose copy of a saved email was saved (its owner related to the record). */
export interface MailboxEmailSave {
  readonly messageKey: string;
  readonly mailboxId: string;
  /** The mailbox side's id of the message copy. */
  readonly mailboxItemId: string;
}

/** A message whose save failed for a reason that may pass; the next session reads it again by id. */
export interface EmailRetry {
  readonly mailboxItemId: string;
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
}

export interface EmailSaveState {
  /** The message source's cursor, or null before the first session. */
  readonly cursor: string | null;
  readonly retries: readonly EmailRetry[];
}

/** Registry entry that a run of the pipeline found for one message key. */
export interface SavedEmailEntry {
  readonly save: SavedEmail;
  /** Mailboxes whose copy was saved. */
  readonly mailboxIds: readonly string[];
}

/** Saved threads matching a set of candidate messages. */
export interface SavedThreads {
  /** Hashes (of those asked about) that belong to a saved email. */
  readonly messageIdHashes: ReadonlySet<string>;
  /** Conversation ids (of those asked about) with a saved email, and the earliest message date saved in each. */
  readonly conversations: ReadonlyMap<string, string | null>;
}

/** Everything one run of the pipeline commits, in one store transaction. */
export interface EmailSaveCommit {
  readonly orgId: string;
  readonly mailboxId: string;
  /** The cursor to store; undefined keeps the stored one (a save through the API reads no changes). */
  readonly cursor?: string;
  /** New registry rows; a row whose key is already registered keeps its first values. */
  readonly saves: readonly SavedEmail[];
  readonly mailboxSaves: readonly MailboxEmailSave[];
  /** Retries to store (replacing any for the same message) and message ids whose retries are done. */
  readonly retries: { readonly put: readonly EmailRetry[]; readonly remove: readonly string[] };
  /** Message-ID hashes of drafts marked for saving, and hashes whose mark is used up. */
  readonly composeMarks: { readonly add: readonly string[]; readonly remove: readonly string[] };
  readonly at: string;
}

export interface EmailSaveStore {
  loadEmailSaveState(mailboxId: string): Promise<EmailSaveState>;

  /** Registry rows of an org by message key; keys not saved are absent. */
  findSavedEmails(orgId: string, messageKeys: readonly string[]): Promise<Map<string, SavedEmailEntry>>;

  /** The registry row of an org whose Salesforce record is `recordId`, or null. */
  findSavedEmailByRecordId(orgId: string, recordId: string): Promise<SavedEmailEntry | null>;

  findSavedThreads(orgId: string, query: { readonly messageIdHashes: readonly string[]; readonly conversationIds: readonly string[] }): Promise<SavedThreads>;

  /** The hashes (of those asked about) that a draft of this mailbox marked for saving. */
  findComposeMarks(mailboxId: string, messageIdHashes: readonly string[]): Promise<Set<string>>;

  /**
   * Claim message keys for `holder` until `ttlMs` from now: a key is taken when unclaimed, expired, or already held
   * by `holder`. Returns the keys now held by `holder`.
   */
  claimEmailKeys(orgId: string, holder: string, messageKeys: readonly string[], ttlMs: number): Promise<string[]>;

  releaseEmailKeys(orgId: string, holder: string, messageKeys: readonly string[]): Promise<void>;

  commitEmailSaves(commit: EmailSaveCommit): Promise<void>;
}
