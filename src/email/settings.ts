/** How an org saves emails to Salesforce; the configuration schema fills every field with the defaults below. */
export interface EmailSavingSettings {
  /** The category (Outlook) or label (Gmail) that marks an email for saving. */
  readonly category: string;
  /** Display name of the mailbox folder whose emails are saved. */
  readonly folderName: string;
  readonly autoSave: {
    /** Save every received email. */
    readonly inbound: boolean;
    /** Save every sent email. */
    readonly outbound: boolean;
    /** Save every new email of a thread of which an email was saved. */
    readonly threads: boolean;
  };
  /** Save a sent email whose draft carried the category or the `x-syncline-save` header. */
  readonly composeSave: boolean;
  /** Domains of the org's own people (`example.com`, or `*.example.com` for its subdomains). */
  readonly ownDomains: readonly string[];
  /** Let automatic rules save emails whose every participant is in the org's own domains. */
  readonly saveInternal: boolean;
  /** Let automatic rules save bulk and automated emails (List-Unsubscribe, Auto-Submitted, Precedence). */
  readonly saveBulk: boolean;
  /** Addresses and domains whose emails are never saved, on any path. */
  readonly blocklist: readonly string[];
  /** `auto` writes Enhanced Email when the org has it and a completed Task otherwise. */
  readonly recordMode: 'auto' | 'enhancedEmail' | 'task';
  /** External ID text field, on EmailMessage and on Activity, that carries the message key. */
  readonly messageKeyField: string;
  /** Checkbox field, on EmailMessage and on Activity, that is true for emails saved through the HTTP API. */
  readonly addInField: string;
  readonly attachments: AttachmentSettings;
  /** How far back, in days, the first session of a mailbox looks for emails to save. */
  readonly firstReadDays: number;
}

export interface AttachmentSettings {
  readonly enabled: boolean;
  /** Largest file saved, in bytes. */
  readonly maxBytes: number;
  /** Lower-case extensions without the dot; null allows every extension that is not blocked. */
  readonly allowedExtensions: readonly string[] | null;
  readonly blockedExtensions: readonly string[];
  /** Save images embedded in the HTML body (Content-ID parts) as files too. */
  readonly includeInline: boolean;
}

/**
 * Salesforce takes at most 37.5 MB of base64 text in a JSON request that inserts a file (REST API guide, "Insert or
 * Update Blob Data"), and base64 grows data by a third, so a file may have at most this many bytes.
 */
export const MAX_ATTACHMENT_BYTES = 28_000_000;

export const DEFAULT_EMAIL_SAVING_SETTINGS: EmailSavingSettings = {
  category: 'Salesforce',
  folderName: 'Salesforce',
  autoSave: { inbound: false, outbound: false, threads: true },
  composeSave: true,
  ownDomains: [],
  saveInternal: false,
  saveBulk: false,
  blocklist: [],
  recordMode: 'auto',
  messageKeyField: 'Syncline_Message_Key__c',
  addInField: 'AddInEmail__c',
  attachments: {
    enabled: true,
    maxBytes: 10 * 1024 * 1024,
    allowedExtensions: null,
    blockedExtensions: ['bat', 'cmd', 'com', 'exe', 'jar', 'js', 'msi', 'ps1', 'scr', 'vbs'],
    includeInline: true,
  },
  firstReadDays: 14,
};

/** Header an add-in sets on a draft to have the sent email saved. */
export const COMPOSE_SAVE_HEADER = 'x-syncline-save';
