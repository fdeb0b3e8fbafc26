import { websiteDomain } from './addresses.ts';
import { rankRecords } from './person-ranking.ts';
import type { AccountRecord, DomainContactCount, OpportunityRecord, PeopleDirectory } from './ports.ts';
import type { OpportunityMode, TieBreak } from './settings.ts';

/** A chosen Account or Opportunity, with the rule that chose it and the reason in words. */
export interface WhatChoice {
  readonly id: string;
  readonly object: 'Account' | 'Opportunity';
  readonly rule: string;
  readonly detail: string;
}

/**
 * Accounts per domain and open Opportunities per Account, read once per session in batched queries. A domain's
 * Account is the one whose Website names it (ties: the owner's first, then the most recently active), else the one
 * with the most Contacts at that domain.
 */
export class AccountCache {
  private readonly websites = new Map<string, AccountRecord[]>();
  private readonly contactCounts = new Map<string, DomainContactCount[]>();
  private readonly opportunities = new Map<string, OpportunityRecord[]>();

  constructor(
    private readonly directory: PeopleDirectory,
    private readonly tieBreaks: readonly TieBreak[],
  ) {}

  async loadDomains(domains: readonly string[]): Promise<void> {
    const missing = [...new Set(domains)].filter((domain) => !this.websites.has(domain));
    if (missing.length === 0) {
      return;
    }
    // A Website of a parent domain covers mail from its subdomains, so parents are searched too.
    const found = await this.directory.findAccountsByDomains([...new Set(missing.flatMap(withParents))]);
    for (const domain of missing) {
      this.websites.set(domain, found.byWebsite.filter((account) => websiteMatches(account.website, domain)));
      this.contactCounts.set(domain, found.byContacts.filter((count) => count.domain === domain));
    }
  }

  chooseForDomain(domain: string, ownerUserId: string): WhatChoice | null {
    const accountTieBreaks = this.tieBreaks.filter((tieBreak) => tieBreak !== 'contactBeforeLead');
    const ranked = rankRecords(this.websites.get(domain) ?? [], accountTieBreaks, ownerUserId);
    if (ranked !== null) {
      const tie = ranked.decidedBy === null ? '' : `; ${ranked.candidates} Accounts name it, chosen by ${ranked.decidedBy}`;
      return { id: ranked.chosen.id, object: 'Account', rule: 'accountByWebsite', detail: `its Website names the domain ${domain}${tie}` };
    }
    const counts = [...(this.contactCounts.get(domain) ?? [])].sort((a, b) => b.contacts - a.contacts || a.accountId.localeCompare(b.accountId));
    const best = counts[0];
    if (best === undefined) {
      return null;
    }
    return {
      id: best.accountId,
      object: 'Account',
      rule: 'accountByContactDomain',
      detail: `${best.contacts} of its Contacts have addresses at ${domain}${counts.length > 1 ? ` (the most of ${counts.length} Accounts)` : ''}`,
    };
  }

  /** Forget what the session read for a domain, so that the next `loadDomains` queries Salesforce again. */
  forgetDomain(domain: string): void {
    this.websites.delete(domain);
    this.contactCounts.delete(domain);
  }

  /** Remember an Account created for a domain in this session. */
  rememberDomainAccount(domain: string, account: AccountRecord): void {
    this.websites.set(domain, [account]);
  }

  async loadOpportunities(accountIds: readonly string[]): Promise<void> {
    const missing = [...new Set(accountIds)].filter((id) => !this.opportunities.has(id));
    if (missing.length === 0) {
      return;
    }
    const found = await this.directory.openOpportunities(missing);
    for (const id of missing) {
      this.opportunities.set(id, found.filter((opportunity) => opportunity.accountId === id));
    }
  }

  /** Return the open Opportunity of an Account that the mode picks, or null when it picks none. */
  opportunityFor(accountId: string, mode: OpportunityMode): WhatChoice | null {
    const open = [...(this.opportunities.get(accountId) ?? [])].sort(
      (a, b) => Date.parse(b.lastModifiedDate) - Date.parse(a.lastModifiedDate) || a.id.localeCompare(b.id),
    );
    if (mode === 'none' || open.length === 0) {
      return null;
    }
    if (mode === 'singleOpen') {
      return open.length === 1
        ? { id: open[0]!.id, object: 'Opportunity', rule: 'singleOpenOpportunity', detail: `the only open Opportunity of Account ${accountId}` }
        : null;
    }
    const others = open.length > 1 ? ` (changed last of ${open.length} open ones)` : '';
    return { id: open[0]!.id, object: 'Opportunity', rule: 'mostRecentOpenOpportunity', detail: `the open Opportunity of Account ${accountId} changed last${others}` };
  }
}

/** List the domain and its parents down to the registrable one: `eu.acme.co.uk` gives itself and `acme.co.uk`. */
function withParents(domain: string): string[] {
  const labels = domain.split('.');
  const publicSuffixLabels = labels.length >= 3 && /^(co|com|org|net|ac|gov|edu|ltd|plc)$/.test(labels.at(-2)!) ? 2 : 1;
  const domains: string[] = [];
  for (let start = 0; labels.length - start > publicSuffixLabels; start += 1) {
    domains.push(labels.slice(start).join('.'));
  }
  return domains;
}

/** True when the Website's host is the domain or a parent of it (`acme.com` covers mail from `eu.acme.com`). */
function websiteMatches(website: string | null, domain: string): boolean {
  const host = website === null ? null : websiteDomain(website);
  return host !== null && (domain === host || domain.endsWith(`.${host}`));
}
