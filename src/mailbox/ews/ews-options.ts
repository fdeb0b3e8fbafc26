import type { Logger } from '../../observability/logger.ts';

/** OAuth 2.0 client credentials: an app registered with the identity provider Exchange trusts (Entra ID in a hybrid set-up, or AD FS). */
export interface EwsOAuthAuth {
  readonly kind: 'oauth';
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Absent: `{origin of the EWS URL}/.default`, the resource Exchange registers in a hybrid set-up. */
  readonly scope?: string;
}

/** Basic authentication of the service account, only over HTTPS (or loopback, for the emulator). */
export interface EwsBasicAuth {
  readonly kind: 'basic';
  /** `DOMAIN\user` or the user principal name of the service account. */
  readonly username: string;
  readonly password: string;
}

/**
 * NTLM (Windows authentication of IIS) for on-premises Exchange: the logon belongs to a keep-alive connection, so
 * requests after the handshake carry no credentials.
 */
export interface EwsNtlmAuth {
  readonly kind: 'ntlm';
  /** `DOMAIN\user`, the user principal name (`user@domain`), or a bare user name with `domain`. */
  readonly username: string;
  readonly password: string;
  /** NetBIOS name of the account's domain, e.g. `CONTOSO`; absent: the part before `\` of `username`, else none. */
  readonly domain?: string;
  /** Workstation name sent in the NTLM messages; absent: this machine's host name. */
  readonly workstation?: string;
}

export type EwsAuth = EwsOAuthAuth | EwsBasicAuth | EwsNtlmAuth;

/** How every EWS source (events, tasks, contacts, messages) of one mailbox is reached. */
export interface EwsConnectorOptions {
  /** The EWS endpoint, e.g. `https://mail.contoso.com/EWS/Exchange.asmx`. */
  readonly ewsUrl: string;
  readonly auth: EwsAuth;
  /** The environment variable of the password (SYNCLINE_<ORG ID>_EWS_PASSWORD), named when Exchange rejects the logon. */
  readonly passwordVariable?: string;
  /** Primary SMTP address of the mailbox; the service account impersonates it, and it routes the request (X-AnchorMailbox). */
  readonly mailboxAddress: string;
  /**
   * True (the default): act as the mailbox through ExchangeImpersonation, which needs the ApplicationImpersonation
   * role. False: the credentials are the mailbox owner's own, with no impersonation header.
   */
  readonly impersonate?: boolean;
  /**
   * Invitation setting for meetings the engine creates, updates or deletes. `none` (the default) saves them without
   * mail (SendToNone). `sendToAllAndSaveCopy` sends invitations, updates and cancellations to the attendees.
   */
  readonly sendMeetingInvitations?: 'none' | 'sendToAllAndSaveCopy';
  /** IANA zone for all-day events, task dates and events the engine creates. */
  readonly mailboxTimeZone: string;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Wait function used before a retry. Tests pass a recorder in place of real time. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Requests in flight at once for this mailbox. Exchange 2016's default EWSMaxConcurrency is 27 per user, shared by
   * every application that user runs (Outlook for Mac, mobile clients), so Syncline keeps to 3 by default.
   */
  readonly maxConcurrency?: number;
  /** Changes per SyncFolderItems call, 1 to 512 (the EWS maximum); default 512. */
  readonly syncPageSize?: number;
  /**
   * Maximum SyncFolderItems calls per folder in one incremental pull, 1 to 1000; default 20 (10,240 changes at 512 a
   * page). The pull returns the pages read with their SyncState as the cursor, so the next pull continues from it.
   * A pull without a cursor is a full listing and always reads every page.
   */
  readonly syncPagesPerPull?: number;
  /** Items per GetItem, CreateItem, UpdateItem or DeleteItem call; default 50. */
  readonly batchSize?: number;
  /** Milliseconds before a request without an answer is given up as a network failure; default 100 s. */
  readonly timeoutMs?: number;
}
