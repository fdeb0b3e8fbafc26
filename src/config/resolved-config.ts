import type { RecurringEventsMode } from '../sync/series-mode-types.ts';
import type { ObjectKind } from '../domain/link.ts';
import type { EmailSavingSettings } from '../email/index.ts';
import type { LinkingSettings } from '../linking/settings.ts';
import type { UnsyncRule } from '../sync/unsync-rules.ts';
import type { MappingTable, TableOverride, UserAdjustments } from '../mapping/index.ts';

/**
 * The configuration the engine runs with, after defaults, environment secrets and derived values are applied.
 * A configuration file and the sandbox launcher both produce this shape.
 */

export type StoreSetting =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema?: string };

/** Either a window that moves with the clock (days around now) or fixed ISO instants. */
export type WindowSetting =
  | { readonly kind: 'relative'; readonly pastDays: number; readonly futureDays: number }
  | { readonly kind: 'fixed'; readonly start: string; readonly end: string };

export type SalesforceAuthSetting =
  | { readonly kind: 'refreshToken'; readonly clientId: string; readonly clientSecret: string; readonly refreshToken: string }
  | { readonly kind: 'clientCredentials'; readonly clientId: string; readonly clientSecret: string }
  | {
      readonly kind: 'jwtBearer';
      readonly clientId: string;
      readonly username: string;
      /** The key read from `privateKeyFile` or the environment; never logged. */
      readonly privateKeyPem: string;
      readonly audience?: string;
    };

export interface SalesforceSetting {
  readonly loginUrl: string;
  readonly apiVersion: string;
  readonly auth: SalesforceAuthSetting;
  readonly syncIdField: string;
  /** Share of the org's daily API allocation Syncline may use, above 0 and at most 1. */
  readonly apiBudgetShare: number;
  /** How mailbox series reach Salesforce (docs/recurrence.md); absent: `occurrences`, the only mode a loaded configuration has. */
  readonly recurringEvents?: RecurringEventsMode;
}

export interface GraphSetting {
  readonly graphBaseUrl: string;
  /** Token endpoint of every grant, `{authorityUrl}/{tenantId}/oauth2/v2.0/token`. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Authorization endpoint of delegated sign-in, `{authorityUrl}/{tenantId}/oauth2/v2.0/authorize`; absent: derived from tokenUrl. */
  readonly authorizeUrl?: string;
  /** Redirect URI registered for delegated sign-in; absent: the server's callback URL. */
  readonly redirectUri?: string;
}

/** An on-premises Exchange reached over EWS, for the org's mailboxes of kind `ews`. */
export interface EwsSetting {
  readonly url: string;
  readonly auth:
    | { readonly kind: 'basic'; readonly username: string; readonly password: string }
    | { readonly kind: 'ntlm'; readonly username: string; readonly password: string; readonly domain?: string; readonly workstation?: string }
    | { readonly kind: 'oauth'; readonly tokenUrl: string; readonly clientId: string; readonly clientSecret: string; readonly scope?: string };
  readonly maxConcurrency: number;
  /** Invitation setting: whether Exchange mails attendees about meetings Syncline writes; absent: `none`. */
  readonly sendMeetingInvitations?: 'none' | 'sendToAllAndSaveCopy';
}

/** Google Workspace access for the org's mailboxes of kind `google`. */
export interface GoogleSetting {
  readonly auth:
    | { readonly kind: 'serviceAccount'; readonly clientEmail: string; readonly privateKey: string; readonly privateKeyId?: string }
    | { readonly kind: 'userOAuth'; readonly clientId: string; readonly clientSecret: string; readonly authorizeUrl?: string };
  readonly tokenUrl: string;
  readonly apiBaseUrl: string;
  readonly peopleBaseUrl: string;
  readonly sendUpdates: 'none' | 'externalOnly' | 'all';
  /** Pub/Sub topic for Gmail push; absent: no Gmail push. */
  readonly pubsubTopic?: string;
  /** Gmail push: the secret in the token query parameter of the Pub/Sub push endpoint. */
  readonly pushToken?: string;
}

/** App-only: the app's own permissions across the tenant. Delegated: the mailbox owner's sign-in. */
export type GraphAuthKind = 'appOnly' | 'delegated';

/** The action a mailbox deletion takes on the Salesforce record: delete it, keep it unlinked, or keep it with a field set. */
export type DeletionSetting =
  | { readonly action: 'delete' }
  | { readonly action: 'keep' }
  | { readonly action: 'mark'; readonly field: string; readonly value: string | number | boolean };

/** Overrides of the sync policy; fields left out take the engine's defaults. */
export interface PolicySetting {
  readonly conflict?: 'latestWins' | 'mailboxWins' | 'crmWins';
  /** Per object kind, what a mailbox deletion does to the Salesforce record; every kind is set when any is. */
  readonly deletions?: Readonly<Record<'event' | 'task' | 'contact', DeletionSetting>>;
  /** Days the quarantine keeps items the engine deleted. */
  readonly quarantineDays?: number;
  readonly privateItems?: 'skip' | 'withoutBody' | 'busyOnly';
  readonly massDelete?: { readonly maxShare: number; readonly maxCount: number };
  /** The org's un-sync rules (the file's `unsync` list): matching calendar events leave the mailboxes and stay in Salesforce. */
  readonly unsync?: readonly UnsyncRule[];
}

/** The choice of unlinked calendar items that start syncing; an item with the category always does. */
export interface SelectionSetting {
  readonly calendarItems: 'all' | 'salesforceCategory' | 'externalAttendees';
  readonly category: string;
  /** The org's own email domains, which tell outside attendees apart. */
  readonly ownDomains: readonly string[];
}

/** IMAP, CalDAV and CardDAV servers of one mailbox, as the imap-caldav connector takes them. */
export interface ImapCaldavSetting {
  readonly imap: { readonly host: string; readonly port: number; readonly secure: boolean; readonly allowPlainLogin?: boolean; readonly username: string; readonly password: string };
  readonly dav: {
    readonly serverUrl: string;
    readonly contactsServerUrl?: string;
    readonly username: string;
    readonly password: string;
    readonly eventCalendarUrl?: string;
    readonly taskCalendarUrl?: string;
    readonly addressBookUrl?: string;
  };
  readonly salesforceKeyword: string;
  readonly changeDetection: 'auto' | 'basic';
}

export interface MailboxSetting {
  readonly id: string;
  readonly address: string;
  readonly timeZone: string;
  readonly salesforceUser: { readonly id: string } | { readonly email: string };
  readonly sessionIntervalMinutes: number;
  /** Protocol that reaches the mailbox; absent: graph. `ews` needs the org's `ews` setting, `imap-caldav` the mailbox's `imapCaldav`. */
  readonly kind?: 'graph' | 'ews' | 'imap-caldav' | 'google';
  /** The user's refresh token, for a mailbox of kind `google` whose org uses user OAuth. */
  readonly googleRefreshToken?: string;
  /** Servers and credentials of a mailbox of kind `imap-caldav`. */
  readonly imapCaldav?: ImapCaldavSetting;
  /** Kind of Graph access for this mailbox; absent: appOnly. */
  readonly graphAuth?: GraphAuthKind;
  /** The mapping table per kind for this mailbox, the org's with the mailbox's own choices; absent: the defaults. */
  readonly mappings?: Readonly<Record<ObjectKind, MappingTable>>;
  /** The mailbox's own sections as the configuration file gives them, which settings edits start from; absent: none. */
  readonly fileSections?: MailboxFileSections;
}

/** A mailbox's sections of the configuration file that the dashboard can edit, before resolution. */
export interface MailboxFileSections {
  readonly mappings?: Readonly<Partial<Record<ObjectKind, UserAdjustments>>>;
  readonly sessionIntervalMinutes?: number;
}

/** An org's sections of the configuration file that the console can edit and the resolved settings do not keep. */
export interface OrgFileSections {
  readonly mappings?: Readonly<Partial<Record<ObjectKind, TableOverride>>>;
  readonly sessionIntervalMinutes?: number;
}

export interface OrgSetting {
  readonly id: string;
  readonly name: string;
  readonly policy: PolicySetting;
  readonly salesforce: SalesforceSetting;
  /** Absent when the org has no mailbox of kind `graph`. */
  readonly graph?: GraphSetting;
  /** Absent: the org has no mailbox of kind `ews`. */
  readonly ews?: EwsSetting;
  /** Absent: the org has no mailbox of kind `google`. */
  readonly google?: GoogleSetting;
  /** Absent: every calendar item syncs, and the category is `Salesforce`. */
  readonly selection?: SelectionSetting;
  /** Absent: people of this org sign in with a password only. */
  readonly oidc?: OidcSetting;
  /** Absent: the org saves no emails. */
  readonly emailSaving?: EmailSavingSettings;
  /** Absent: the linking defaults, with no user blocklists. */
  readonly linking?: OrgLinkingSetting;
  readonly mailboxes: readonly MailboxSetting[];
  /** The org's own sections as the configuration file gives them, which settings edits start from; absent: none. */
  readonly fileSections?: OrgFileSections;
  /** Mailbox changes that start a session ahead of schedule for this org, from a settings edit; absent: instantSync.triggers. */
  readonly instantSyncTriggers?: readonly InstantSyncTrigger[];
}

/** The org's linking settings and each mailbox owner's own blocklist, by mailbox address (lower case). */
export interface OrgLinkingSetting extends LinkingSettings {
  readonly userBlocklists: Readonly<Record<string, readonly string[]>>;
}

/** The org's OpenID Connect provider for signing in to the API and dashboard. */
export interface OidcSetting {
  readonly issuerUrl: string;
  readonly clientId: string;
  /** Null for a public client. */
  readonly clientSecret: string | null;
}

export interface SynclineConfig {
  /** Absolute path of the folder for the embedded store and the sandbox state. */
  readonly dataDir: string;
  readonly store: StoreSetting;
  readonly window: WindowSetting;
  /** Share of the interval by which each wait is moved at random, 0 to 0.5. */
  readonly jitter: number;
  readonly maxConcurrentSessions: number;
  /** Absent: the defaults (coalesceSeconds 60). */
  readonly instantSync?: InstantSyncSetting;
  /** Absent: 127.0.0.1 port 8787, and the webhook URL is the listening URL. */
  readonly server?: ServerSetting;
  readonly orgs: readonly OrgSetting[];
  /** Where the settings come from; absent: a configuration file. The sandbox builds its own and has no file. */
  readonly origin?: 'file' | 'sandbox';
}

/** Mailbox changes that can start a session ahead of schedule. */
export type InstantSyncTrigger = 'create' | 'update' | 'delete';

export interface ServerSetting {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Base URL Graph calls for change notifications (https unless loopback); null: the URL the server listens on. */
  readonly publicUrl: string | null;
}

export interface InstantSyncSetting {
  /** Notifications within this many seconds after a session of their mailbox started merge into one session after it (60 to 180). */
  readonly coalesceSeconds: number;
  /** Which mailbox changes start a session ahead of schedule; absent: all three; empty: none. */
  readonly triggers?: readonly InstantSyncTrigger[];
  /** Parts of each mailbox the Graph subscriptions watch; absent: the calendar, the Inbox and Sent Items. */
  readonly resources?: readonly WatchedResource[];
}

/** A Graph subscription's target in a mailbox: its calendar, its Inbox or its Sent Items. */
export type WatchedResource = 'events' | 'inbox' | 'sentItems';
