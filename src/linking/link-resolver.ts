import { randomUUID } from 'node:crypto';
import type { LinkExplanation, LinkRequest, LinkResolver, LinkResult } from '../domain/linking.ts';
import { AccountCache, type WhatChoice } from './account-cache.ts';
import { autoResolve, type CreatedRecord, type PersonMatch } from './auto-resolve.ts';
import { matchesAnyPattern, parseAddressPatterns, type AddressPattern } from './address-patterns.ts';
import { Blocklist } from './blocklist.ts';
import { FREE_MAIL_DOMAINS, domainOnList } from './lists.ts';
import { PeopleCache } from './people-cache.ts';
import { personInputs, type PersonInput } from './person-inputs.ts';
import { rankPeople } from './person-ranking.ts';
import type { LinkingLogger, LinkingState, PeopleDirectory, StoredExplanation } from './ports.ts';
import type { LinkingSettings } from './settings.ts';

export interface LinkResolverOptions {
  readonly orgId: string;
  readonly directory: PeopleDirectory;
  readonly state: LinkingState;
  readonly settings: LinkingSettings;
  readonly logger: LinkingLogger;
  /** The mailbox owner's own blocklist entries, by their Salesforce User id; none when absent. */
  readonly userBlocklist?: (ownerUserId: string) => readonly string[];
  /** How long a creation claim protects an address; default 60 s. */
  readonly claimTtlMs?: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

interface Prepared {
  readonly request: LinkRequest;
  readonly inputs: PersonInput[];
  readonly matches: Map<string, PersonMatch>;
  created: CreatedRecord[];
  who: PersonMatch | null;
  account: WhatChoice | null;
  what: WhatChoice | null;
}

const DEFAULT_CLAIM_TTL_MS = 60_000;
const DEFAULT_POLL_MS = 200;

/**
 * Create the linking engine for one session of one org. Its caches live as long as the resolver: make one per
 * session so that records changed in Salesforce between sessions are read again.
 */
export function createLinkResolver(options: LinkResolverOptions): LinkResolver {
  return new SessionLinkResolver(options);
}

class SessionLinkResolver implements LinkResolver {
  private readonly people: PeopleCache;
  private readonly accounts: AccountCache;
  private readonly orgBlocklist: readonly string[];
  private readonly ownDomains: readonly AddressPattern[];
  private readonly holder = randomUUID();
  /** Addresses asked about this session: the Id of the active Salesforce User of the org that has it, else null. */
  private readonly users = new Map<string, string | null>();
  private readonly now: () => Date;

  constructor(private readonly options: LinkResolverOptions) {
    this.people = new PeopleCache(options.directory, options.settings.subaddressDomains.map((domain) => domain.toLowerCase()));
    this.accounts = new AccountCache(options.directory, options.settings.tieBreaks);
    this.orgBlocklist = options.settings.blocklist;
    this.ownDomains = parseAddressPatterns(options.settings.ownDomains);
    this.now = options.now ?? (() => new Date());
  }

  async resolve(requests: readonly LinkRequest[]): Promise<LinkResult[]> {
    const foreign = requests.find((request) => request.orgId !== this.options.orgId);
    if (foreign !== undefined) {
      throw new Error(`A link request of org '${foreign.orgId}' reached the resolver of org '${this.options.orgId}': make one resolver per org and session`);
    }
    const prepared = requests.map((request) => this.prepare(request));

    await this.people.load(prepared.flatMap((entry) => entry.inputs.map((input) => input.parsed)));
    for (const entry of prepared) {
      this.matchPeople(entry);
    }
    // Auto-resolve must know colleagues so as not to create them, and a meeting's colleagues become its invitees.
    await this.loadUsers(prepared.flatMap((entry) => (entry.request.isBulk || !(this.options.settings.autoResolve.enabled || entry.request.activity === 'Event')
      ? []
      : entry.inputs.filter((input) => !entry.matches.has(input.key)))));
    for (const entry of prepared) {
      entry.created = await autoResolve(this.autoResolveContext(), entry.request, entry.inputs, entry.matches);
      entry.who = chooseWho(entry);
    }

    await this.accounts.loadDomains(prepared.flatMap((entry) => this.domainForAccount(entry) ?? []));
    for (const entry of prepared) {
      entry.account = this.chooseAccount(entry);
    }
    const mode = this.options.settings.opportunity;
    if (mode !== 'none') {
      await this.accounts.loadOpportunities(prepared.flatMap((entry) => entry.account?.id ?? []));
    }
    for (const entry of prepared) {
      entry.what = entry.account === null ? null : this.accounts.opportunityFor(entry.account.id, mode) ?? entry.account;
    }

    // A colleague is an invitee of a meeting as a User. Other activities relate Contacts and Leads only.
    const results = prepared.map((entry) => toResult(entry, entry.request.activity === 'Event' ? (address) => this.users.get(address) ?? null : () => null));
    await this.store(prepared, results);
    return results;
  }

  private prepare(request: LinkRequest): Prepared {
    const userEntries = this.options.userBlocklist?.(request.ownerUserId) ?? [];
    const blocklist = new Blocklist([...this.orgBlocklist, ...userEntries], this.options.settings.subaddressDomains.map((domain) => domain.toLowerCase()));
    const inputs = personInputs(request.people, this.ownDomains, blocklist, (parsed) => this.people.keyOf(parsed));
    return { request, inputs, matches: new Map(), created: [], who: null, account: null, what: null };
  }

  private matchPeople(entry: Prepared): void {
    for (const input of entry.inputs) {
      const candidates = this.people.candidates(input.key);
      const ranked = rankPeople(candidates, this.options.settings.tieBreaks, entry.request.ownerUserId);
      if (ranked === null) {
        continue;
      }
      const tie = ranked.decidedBy === null ? '' : `; ${ranked.candidates} Contacts and Leads have it, chosen by ${ranked.decidedBy}`;
      entry.matches.set(input.key, {
        input,
        record: ranked.chosen,
        rule: ranked.decidedBy ?? 'emailMatch',
        detail: `${input.parsed.address} matched this ${ranked.chosen.object}${tie}`,
        passedOverContact: ranked.chosen.object === 'Lead' && candidates.some((record) => record.object === 'Contact'),
      });
    }
  }

  /**
   * Find which of these unmatched people are Salesforce Users of the org (by Email), in one batched query for the
   * addresses not asked about yet this session: a colleague is never created as a Lead, Contact or Person Account.
   */
  private async loadUsers(inputs: readonly PersonInput[]): Promise<void> {
    const missing = [...new Set(inputs.map((input) => input.parsed.address))].filter((address) => !this.users.has(address));
    if (missing.length === 0) {
      return;
    }
    const found = new Map((await this.options.directory.findUsers(missing)).map((user) => [user.email, user.id]));
    for (const address of missing) {
      this.users.set(address, found.get(address) ?? null);
    }
  }

  /** Return the domain whose Account the activity needs: the who Contact's when it has no Account, else the first external person's. */
  private domainForAccount(entry: Prepared): string | null {
    const settings = this.options.settings;
    if (!settings.accountByDomain || entry.who?.record.object === 'Lead' || entry.who?.record.accountId) {
      return null;
    }
    const candidates = entry.who === null ? entry.inputs : [entry.who.input];
    const person = candidates.find((input) => !domainOnList(input.parsed.domain, FREE_MAIL_DOMAINS) && !matchesAnyPattern(input.parsed.address, this.ownDomains));
    return person?.parsed.domain ?? null;
  }

  private chooseAccount(entry: Prepared): WhatChoice | null {
    const who = entry.who;
    if (who?.record.object === 'Lead') {
      return null;
    }
    if (who !== null && who.record.accountId !== null) {
      return { id: who.record.accountId, object: 'Account', rule: 'accountOfContact', detail: `the Account of Contact ${who.record.id} (${who.input.parsed.address})` };
    }
    const domain = this.domainForAccount(entry);
    return domain === null ? null : this.accounts.chooseForDomain(domain, entry.request.ownerUserId);
  }

  private autoResolveContext() {
    const options = this.options;
    return {
      settings: options.settings,
      directory: options.directory,
      people: this.people,
      accounts: this.accounts,
      isUser: (input: PersonInput) => typeof this.users.get(input.parsed.address) === 'string',
      now: this.now,
      claims: {
        orgId: options.orgId,
        holder: this.holder,
        state: options.state,
        logger: options.logger,
        claimTtlMs: options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS,
        pollMs: options.pollMs ?? DEFAULT_POLL_MS,
        sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
      },
    };
  }

  /** Keep every explanation for `syncline explain`; a store failure is logged and does not fail the linking. */
  private async store(prepared: readonly Prepared[], results: readonly LinkResult[]): Promise<void> {
    const at = this.now().toISOString();
    const rows: StoredExplanation[] = results.flatMap((result, index) => result.explanations.map((explanation) => ({
      orgId: this.options.orgId,
      recordId: explanation.recordId,
      object: explanation.object,
      use: explanation.use,
      rule: explanation.rule,
      detail: explanation.detail,
      activity: prepared[index]!.request.activity,
      at,
    })));
    if (rows.length === 0) {
      return;
    }
    try {
      await this.options.state.recordLinkExplanations(rows);
    } catch (error) {
      this.options.logger.warn({ org: this.options.orgId, rows: rows.length, err: error }, 'Failed to store link explanations, but the links themselves are unaffected');
    }
  }
}

/**
 * Return the WhoId: the first matched Contact in the activity's order (people outside the org's domains first), else the
 * first matched Lead. A Contact wins over an earlier Lead, because only a Contact allows a WhatId.
 */
function chooseWho(entry: Prepared): PersonMatch | null {
  const ordered = [...entry.inputs.filter((input) => input.external), ...entry.inputs.filter((input) => !input.external)];
  const matched = ordered.flatMap((input) => entry.matches.get(input.key) ?? []);
  return matched.find((match) => match.record.object === 'Contact') ?? matched.find((match) => match.record.object === 'Lead') ?? null;
}

function toResult(entry: Prepared, colleagueOf: (address: string) => string | null): LinkResult {
  const explanations: LinkExplanation[] = [];
  for (const record of entry.created) {
    explanations.push({ recordId: record.id, object: record.object, use: 'created', rule: record.rule, detail: record.detail });
  }

  const byAddress: Record<string, string> = {};
  const relationIds: string[] = [];
  for (const input of entry.inputs) {
    const match = entry.matches.get(input.key);
    if (match === undefined) {
      const userId = colleagueOf(input.parsed.address);
      if (userId !== null) {
        byAddress[input.ref.address.trim().toLowerCase()] = userId;
      }
      continue;
    }
    byAddress[input.ref.address.trim().toLowerCase()] = match.record.id;
    if (!relationIds.includes(match.record.id)) {
      relationIds.push(match.record.id);
      explanations.push({ recordId: match.record.id, object: match.record.object, use: 'relation', rule: match.rule, detail: match.detail });
    }
  }

  const who = entry.who;
  if (who !== null) {
    const reason = who.record.object === 'Contact'
      ? 'the first matched Contact of the activity'
      : who.passedOverContact === true
        ? 'a Lead, because the tie-breaks chose it over a Contact with the same address'
        : 'no Contact matched, so the first matched Lead';
    explanations.push({ recordId: who.record.id, object: who.record.object, use: 'who', rule: who.rule, detail: `${reason}: ${who.detail}` });
  }
  // Salesforce rejects a WhatId next to a Lead WhoId, so a Lead never gets one (chooseAccount returns none).
  const what = who?.record.object === 'Lead' ? null : entry.what;
  if (what !== null) {
    explanations.push({ recordId: what.id, object: what.object, use: 'what', rule: what.rule, detail: what.detail });
  }

  return {
    whoId: who?.record.id ?? null,
    whatId: what?.id ?? null,
    relationIds,
    byAddress,
    explanations,
    created: {
      Lead: entry.created.filter((record) => record.object === 'Lead').length,
      Contact: entry.created.filter((record) => record.object === 'Contact').length,
      Account: entry.created.filter((record) => record.object === 'Account').length,
    },
  };
}
