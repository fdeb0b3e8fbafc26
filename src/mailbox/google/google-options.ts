import type { Logger } from '../../observability/logger.ts';
import type { RetryPolicy } from './retry-policy.ts';

/**
 * A service account with domain-wide delegation: Syncline signs a JWT with the account's key and requests a token
 * with `sub` set to the mailbox address, so one credential reaches every mailbox of the Workspace domain.
 */
export interface ServiceAccountCredentials {
  readonly kind: 'serviceAccount';
  /** `client_email` of the key file, e.g. `syncline@project.iam.gserviceaccount.com`. */
  readonly clientEmail: string;
  /** `private_key` of the key file, PEM. */
  readonly privateKey: string;
  readonly privateKeyId?: string;
}

/**
 * One user's own consent, kept as the refresh token of an OAuth client (for Gmail accounts outside Workspace): the
 * token itself, or a function that loads the one the owner's sign-in stored (null when the owner has not signed in).
 */
export interface UserOAuthCredentials {
  readonly kind: 'userOAuth';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string | (() => Promise<string | null>);
  /** The page where the owner signs in (again), named in the reason of a suspension. */
  readonly signInUrl?: string;
}

export type GoogleCredentials = ServiceAccountCredentials | UserOAuthCredentials;

/** Connection settings shared by every Google source (events, tasks, contacts, messages) of one mailbox. */
export interface GoogleClientOptions {
  /** The mailbox address: the `sub` of a delegated token, and the user the APIs are asked about. */
  readonly userEmail: string;
  readonly credentials: GoogleCredentials;
  /** OAuth 2.0 token endpoint; Google's is https://oauth2.googleapis.com/token. */
  readonly tokenUrl?: string;
  /** Root of Calendar, Gmail and Tasks (and their batch endpoints); Google's is https://www.googleapis.com. */
  readonly apiBaseUrl?: string;
  /** Root of the People API; Google's is https://people.googleapis.com. */
  readonly peopleBaseUrl?: string;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Wait function used before a retry. Tests pass a recorder in place of real time. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** The clock, in milliseconds since the epoch; tests pass a manual one. */
  readonly now?: () => number;
  readonly retryPolicy?: RetryPolicy;
  /** Gmail quota units this mailbox may spend per minute; Gmail allows 15,000 per user. */
  readonly gmailUnitsPerMinute?: number;
}

export interface GoogleConnectorOptions extends GoogleClientOptions {
  /** IANA zone for all-day events and for events without a zone of their own. */
  readonly mailboxTimeZone: string;
  /** The calendar mirrored; `primary` by default. */
  readonly calendarId?: string;
  /** The task list mirrored; `@default` (the user's default list) by default. */
  readonly taskListId?: string;
  /**
   * Whom Calendar emails about the engine's writes. `none` by default: the engine mirrors what the organizer already
   * sent, and guests should not get a second invitation from a sync.
   */
  readonly sendUpdates?: 'none' | 'all' | 'externalOnly';
}

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Google's OAuth 2.0 authorization endpoint, where a mailbox owner consents. */
export const GOOGLE_AUTHORIZE_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GOOGLE_API_BASE_URL = 'https://www.googleapis.com';
export const GOOGLE_PEOPLE_BASE_URL = 'https://people.googleapis.com';

/** The scopes each API is asked for: the least that lets the connector read, write and watch. */
export const GOOGLE_SCOPES = {
  calendar: ['https://www.googleapis.com/auth/calendar.events'],
  gmail: ['https://www.googleapis.com/auth/gmail.readonly', 'https://www.googleapis.com/auth/gmail.labels'],
  people: ['https://www.googleapis.com/auth/contacts'],
  tasks: ['https://www.googleapis.com/auth/tasks'],
} as const;

export type GoogleApiName = keyof typeof GOOGLE_SCOPES;
