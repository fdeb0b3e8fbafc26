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
}

export interface GraphSetting {
  readonly graphBaseUrl: string;
  /** Client-credentials token endpoint, `{authorityUrl}/{tenantId}/oauth2/v2.0/token`. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Overrides of the sync policy; fields left out take the engine's defaults. */
export interface PolicySetting {
  readonly conflict?: 'latestWins' | 'mailboxWins' | 'crmWins';
  readonly deleteCrmOnMailboxDelete?: boolean;
  readonly privateItems?: 'skip' | 'withoutBody' | 'busyOnly';
  readonly massDelete?: { readonly maxShare: number; readonly maxCount: number };
}

export interface MailboxSetting {
  readonly id: string;
  readonly address: string;
  readonly timeZone: string;
  readonly salesforceUser: { readonly id: string } | { readonly email: string };
  readonly sessionIntervalMinutes: number;
}

export interface OrgSetting {
  readonly id: string;
  readonly name: string;
  readonly policy: PolicySetting;
  readonly salesforce: SalesforceSetting;
  readonly graph: GraphSetting;
  readonly mailboxes: readonly MailboxSetting[];
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
}
