import type { Logger } from '../../observability/logger.ts';
import type { RefreshTokenStore } from './auth/refresh-token-store.ts';

/** Delegated access: the mailbox owner's own sign-in, kept as a refresh token in the store. */
export interface DelegatedAuthOption {
  readonly kind: 'delegated';
  /** The mailbox's id in Syncline, under which the store keeps its refresh token. */
  readonly mailboxId: string;
  readonly refreshTokens: RefreshTokenStore;
  /** URL of the page where the owner signs in again, named in the reason when the grant is gone. */
  readonly signInUrl?: string;
}

/** Connection settings of every Graph source (events, tasks, contacts, messages) of one mailbox. */
export interface GraphConnectorOptions extends GraphClientOptions {
  /** IANA zone for all-day events and for events the engine creates. */
  mailboxTimeZone: string;
  /** `odata.maxpagesize` for delta pages. */
  pageSize?: number;
}

/** Settings of the HTTP layer of one mailbox, whatever it reads: items, messages or subscriptions. */
export interface GraphClientOptions {
  /** Graph version root, e.g. `https://graph.microsoft.com/v1.0` or `http://127.0.0.1:PORT/v1.0`. */
  graphBaseUrl: string;
  /** e.g. `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Absent: app-only access with the client credentials grant. */
  auth?: DelegatedAuthOption;
  /** User id or principal name the mailbox is addressed by. */
  userId: string;
  logger: Logger;
  fetch?: typeof fetch;
  /** Requests in flight at once for this mailbox; Outlook allows four per mailbox. */
  maxConcurrency?: number;
  /** Requests per sliding window for this mailbox; Outlook allows 10,000 per 10 minutes. */
  requestWindow?: { readonly maxRequests: number; readonly windowMs: number };
  /** Wait function used before a retry. Tests pass a recorder in place of real time. */
  sleep?: (ms: number) => Promise<void>;
}
