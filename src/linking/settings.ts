/** The org's linking settings, as the configuration's `linking` section gives them (see docs/linking.md). */

/** Tie-breaks among several Contacts and Leads with one address, applied in the configured order. */
export const TIE_BREAKS = ['contactBeforeLead', 'ownerFirst', 'recentActivity'] as const;
export type TieBreak = (typeof TIE_BREAKS)[number];

export const OPPORTUNITY_MODES = ['none', 'singleOpen', 'mostRecentOpen'] as const;
/**
 * `none`: WhatId is the Account. `singleOpen`: the Account's open Opportunity when it has exactly one, else the
 * Account. `mostRecentOpen`: the open Opportunity changed last, whatever their number.
 */
export type OpportunityMode = (typeof OPPORTUNITY_MODES)[number];

export const CREATED_OBJECTS = ['Lead', 'Contact', 'PersonAccount'] as const;
export type CreatedObject = (typeof CREATED_OBJECTS)[number];

export interface AutoResolveSettings {
  readonly enabled: boolean;
  /** The object an unknown person becomes. */
  readonly create: CreatedObject;
  /** `external`: only people outside `ownDomains`; `all`: everyone not blocked. */
  readonly scope: 'external' | 'all';
  /** `all` unresolved people of an activity, or only the `first` (the sender of inbound mail, else the first recipient). */
  readonly people: 'all' | 'first';
  /** LeadSource of created Leads and Contacts; null leaves it empty. */
  readonly leadSource: string | null;
  /** Create an Account named from the corporate domain when a created Contact finds none (never for free-mail domains). */
  readonly createAccountFromDomain: boolean;
  /** The Account created Contacts get when none is found or created; null leaves them without one. */
  readonly fallbackAccountId: string | null;
  /** RecordTypeId of person accounts, which orgs with several Account record types need; null sends none. */
  readonly personAccountRecordTypeId: string | null;
}

export interface LinkingSettings {
  /** Fields searched for addresses, per object; Email always, plus custom email fields the org has. */
  readonly emailFields: { readonly Contact: readonly string[]; readonly Lead: readonly string[] };
  readonly tieBreaks: readonly TieBreak[];
  /** The company's own mail domains: people there are colleagues, not customers. */
  readonly ownDomains: readonly string[];
  /** Extra domains whose mail server ignores `+tags` (subaddressing), usually the org's own. */
  readonly subaddressDomains: readonly string[];
  /** Find the Account by the domain when no linked Contact has one. */
  readonly accountByDomain: boolean;
  readonly opportunity: OpportunityMode;
  /** Org blocklist: addresses, domains and `*.domain` entries never linked, created or stored. */
  readonly blocklist: readonly string[];
  /**
   * ISO country code (`US`, `DE`) for signature phone numbers written without a country code, when the sender's
   * top-level domain names no country (`.com`, `.org`).
   */
  readonly defaultPhoneRegion: string;
  readonly autoResolve: AutoResolveSettings;
}

export const DEFAULT_LINKING_SETTINGS: LinkingSettings = {
  emailFields: { Contact: ['Email'], Lead: ['Email'] },
  tieBreaks: ['contactBeforeLead', 'ownerFirst', 'recentActivity'],
  ownDomains: [],
  subaddressDomains: [],
  accountByDomain: true,
  opportunity: 'singleOpen',
  blocklist: [],
  defaultPhoneRegion: 'US',
  autoResolve: {
    enabled: false,
    create: 'Lead',
    scope: 'external',
    people: 'all',
    leadSource: 'Other',
    createAccountFromDomain: true,
    fallbackAccountId: null,
    personAccountRecordTypeId: null,
  },
};
