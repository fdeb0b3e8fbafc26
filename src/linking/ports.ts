/**
 * The ports the linking engine needs, implemented over Salesforce (src/crm/salesforce/people) and over the store.
 * The engine itself talks to neither directly.
 */

export interface PersonRecord {
  readonly id: string;
  readonly object: 'Contact' | 'Lead';
  /** Values of the searched email fields, as stored. */
  readonly emails: readonly string[];
  readonly accountId: string | null;
  readonly ownerId: string;
  /** `YYYY-MM-DD`, or null when the record has no activity. */
  readonly lastActivityDate: string | null;
  /** ISO instant. */
  readonly lastModifiedDate: string;
}

export interface AccountRecord {
  readonly id: string;
  readonly name: string;
  readonly website: string | null;
  readonly ownerId: string;
  readonly lastActivityDate: string | null;
  readonly lastModifiedDate: string;
}

export interface OpportunityRecord {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly lastModifiedDate: string;
}

/** How many Contacts of an Account have an address at a domain. */
export interface DomainContactCount {
  readonly accountId: string;
  readonly domain: string;
  readonly contacts: number;
}

/** A Lead, Contact or Person Account to create; values are Salesforce field names. */
export interface PersonDraft {
  readonly object: 'Lead' | 'Contact' | 'PersonAccount';
  readonly values: Readonly<Record<string, string | null>>;
}

export type InsertOutcome =
  /** `accountId`: the Person Account whose Contact `id` is, for a created Person Account; else absent. */
  | { readonly kind: 'created'; readonly id: string; readonly accountId?: string }
  /** A duplicate rule found these records (Contacts or Leads first); nothing was saved. */
  | { readonly kind: 'duplicate'; readonly ids: readonly string[]; readonly rule: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

/** An active Salesforce User of the org, found by its Email. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
}

/** The Salesforce side, batched: each call is one or a few API calls whatever the number of values. */
export interface PeopleDirectory {
  /** Contacts and Leads (not converted) whose searched email fields hold one of `exact` or match one LIKE pattern. */
  findPeople(query: { readonly exact: readonly string[]; readonly patterns: readonly string[] }): Promise<PersonRecord[]>;
  /** Active Salesforce Users whose Email is one of `addresses`, with the Email lower-cased: colleagues, never created as people. */
  findUsers(addresses: readonly string[]): Promise<UserRecord[]>;
  findAccountsByIds(ids: readonly string[]): Promise<AccountRecord[]>;
  /** Accounts whose Website names one of `domains`, and counts of Contacts with addresses at them. */
  findAccountsByDomains(domains: readonly string[]): Promise<{ readonly byWebsite: AccountRecord[]; readonly byContacts: DomainContactCount[] }>;
  openOpportunities(accountIds: readonly string[]): Promise<OpportunityRecord[]>;
  /** Insert with the org's duplicate rules enforced (no save past an alert). */
  insertPerson(draft: PersonDraft, ownerId: string): Promise<InsertOutcome>;
  insertAccount(values: Readonly<Record<string, string | null>>, ownerId: string): Promise<InsertOutcome>;
}

/** Reason a record was linked or created, as stored for `syncline explain`. */
export interface StoredExplanation {
  readonly orgId: string;
  readonly recordId: string;
  readonly object: string;
  readonly use: string;
  readonly rule: string;
  readonly detail: string;
  readonly activity: string;
  /** ISO instant. */
  readonly at: string;
}

/** The store side: explanations, and claims that keep two workers from creating one person twice. */
export interface LinkingState {
  recordLinkExplanations(explanations: readonly StoredExplanation[]): Promise<void>;
  /**
   * Claim `key` (an address or a domain) of the org for `holder` until `ttlMs` from now. Returns `claimed`, or the
   * record another holder created under it, or `busy` while another holder's claim is live.
   */
  claimLinkingKey(orgId: string, key: string, holder: string, ttlMs: number): Promise<ClaimOutcome>;
  /** End a claim: with the record created under it (kept for later claimants), or null to drop it. */
  settleLinkingClaim(orgId: string, key: string, holder: string, recordId: string | null): Promise<void>;
}

export type ClaimOutcome =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'done'; readonly recordId: string }
  | { readonly kind: 'busy' };

/** The few logger methods the engine uses; a pino logger fits. */
export interface LinkingLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}
