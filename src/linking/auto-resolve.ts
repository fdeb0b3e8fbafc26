import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import type { LinkRequest } from '../domain/linking.ts';
import type { AccountCache } from './account-cache.ts';
import { createOnce, type ClaimOptions } from './claimed-create.ts';
import { FREE_MAIL_DOMAINS, domainOnList, isRoleLocalPart } from './lists.ts';
import type { PeopleCache } from './people-cache.ts';
import { buildPersonDraft, companyFromDomain } from './person-draft.ts';
import type { PersonInput } from './person-inputs.ts';
import { rankPeople } from './person-ranking.ts';
import type { PeopleDirectory, PersonRecord } from './ports.ts';
import type { LinkingSettings } from './settings.ts';
import { parseSignature, type SignatureFields } from './signature/parse-signature.ts';

/** A person matched or created for an activity, and why. */
export interface PersonMatch {
  readonly input: PersonInput;
  readonly record: PersonRecord;
  readonly rule: string;
  readonly detail: string;
  /** True when a Contact with the same address lost the tie-breaks to this record (a Lead). */
  readonly passedOverContact?: boolean;
}

/** Records an auto-resolve created, with their reasons. */
export interface CreatedRecord {
  readonly id: string;
  readonly object: 'Lead' | 'Contact' | 'Account';
  readonly rule: string;
  readonly detail: string;
}

export interface AutoResolveContext {
  readonly settings: LinkingSettings;
  readonly directory: PeopleDirectory;
  readonly people: PeopleCache;
  readonly accounts: AccountCache;
  readonly claims: ClaimOptions;
  /** True for a person who is a Salesforce User of the org: a colleague, never created. */
  readonly isUser: (input: PersonInput) => boolean;
  readonly now: () => Date;
}

/**
 * Create Leads, Contacts or Person Accounts for the people of one activity that matched no record, for all of them
 * or only the first. Bulk mail, private items, role addresses, the org's Salesforce Users and (in `external` scope)
 * the org's own domains get none. Blocklisted addresses and the mailbox owner never reach this point.
 */
export async function autoResolve(
  context: AutoResolveContext,
  request: LinkRequest,
  inputs: readonly PersonInput[],
  matches: Map<string, PersonMatch>,
): Promise<CreatedRecord[]> {
  const settings = context.settings.autoResolve;
  // A private item creates no record, because a new record would tell Salesforce who the private meeting was with.
  if (!settings.enabled || request.isBulk || request.isPrivate === true) {
    return [];
  }
  let eligible = inputs.filter((input) =>
    !matches.has(input.key) && !isRoleLocalPart(input.parsed.localPart) && !context.isUser(input) && (settings.scope === 'all' || input.external));
  if (settings.people === 'first') {
    eligible = eligible.slice(0, 1);
  }

  const signer = inputs.find((input) => input.ref.role === 'from' || input.ref.role === 'organizer');
  const created: CreatedRecord[] = [];
  for (const input of eligible) {
    const signature = input === signer && request.signatureText !== null
      ? parseSignature(request.signatureText, { address: input.parsed.address, displayName: input.ref.name, defaultRegion: phoneRegion(context.settings.defaultPhoneRegion) })
      : null;
    const match = await resolveOne(context, request, input, signature, created);
    if (match !== null) {
      matches.set(input.key, match);
    }
  }
  return created;
}

function phoneRegion(code: string): CountryCode | undefined {
  return isSupportedCountry(code) ? code : undefined;
}

async function resolveOne(
  context: AutoResolveContext,
  request: LinkRequest,
  input: PersonInput,
  signature: SignatureFields | null,
  created: CreatedRecord[],
): Promise<PersonMatch | null> {
  const object = context.settings.autoResolve.create;
  const account = object === 'Contact' ? await accountForContact(context, request.ownerUserId, input, signature, created) : null;
  const { draft, sources } = buildPersonDraft({
    object,
    address: input.parsed,
    displayName: input.ref.name,
    signature,
    leadSource: context.settings.autoResolve.leadSource,
    accountId: account,
  });

  const result = await createOnce(context.claims, `person:${input.key}`, {
    findExisting: async () => (await reload(context, input, request.ownerUserId))?.id ?? null,
    insert: () => context.directory.insertPerson(draft, request.ownerUserId),
  });

  if (result.kind === 'failed') {
    return null;
  }
  if (result.kind === 'created') {
    const record: PersonRecord = {
      id: result.id,
      object: object === 'Lead' ? 'Lead' : 'Contact',
      emails: [input.parsed.address],
      accountId: result.accountId ?? account,
      ownerId: request.ownerUserId,
      lastActivityDate: null,
      lastModifiedDate: context.now().toISOString(),
    };
    context.people.remember(input.key, record);
    const from = [`name from the ${sources.name === 'none' ? 'fallback [not provided]' : sources.name}`];
    if (sources.company !== 'none') {
      from.push(`company from the ${sources.company}`);
    }
    if (sources.fromSignature.length > 0) {
      from.push(`${sources.fromSignature.join(', ')} from the signature`);
    }
    const detail = `nobody in Salesforce had ${input.parsed.address}; created this ${object === 'PersonAccount' ? 'Person Account' : object} (${from.join('; ')})`;
    created.push({ id: object === 'PersonAccount' ? result.accountId ?? result.id : result.id, object: object === 'PersonAccount' ? 'Account' : object, rule: `autoResolve${object}`, detail });
    return { input, record, rule: `autoResolve${object}`, detail };
  }

  const found = await reload(context, input, request.ownerUserId);
  const record: PersonRecord = found ?? {
    id: result.id, object: result.id.startsWith('00Q') ? 'Lead' : 'Contact', emails: [input.parsed.address], accountId: null,
    ownerId: request.ownerUserId, lastActivityDate: null, lastModifiedDate: context.now().toISOString(),
  };
  context.people.remember(input.key, record);
  if (result.kind === 'duplicate') {
    return { input, record, rule: 'duplicateRule', detail: `Salesforce's duplicate rule ${result.rule} found this record for ${input.parsed.address} when Syncline was about to create one` };
  }
  const how = result.how === 'found' ? 'found when checked again before creating' : 'created for this address by another Syncline session';
  return { input, record, rule: result.how === 'found' ? 'emailMatch' : 'createdByOtherSession', detail: `${input.parsed.address}: ${how}` };
}

/** Read the address again from Salesforce, bypassing the session cache; returns the best match or null. */
async function reload(context: AutoResolveContext, input: PersonInput, ownerUserId: string): Promise<PersonRecord | null> {
  context.people.forget(input.key);
  await context.people.load([input.parsed]);
  const ranked = rankPeople(context.people.candidates(input.key), context.settings.tieBreaks, ownerUserId);
  return ranked?.chosen ?? null;
}

/**
 * Choose the Account of a Contact about to be created: by domain, else one created from the corporate domain (never for
 * free-mail domains), else the admin's chosen Account, else none.
 */
async function accountForContact(
  context: AutoResolveContext,
  ownerUserId: string,
  input: PersonInput,
  signature: SignatureFields | null,
  created: CreatedRecord[],
): Promise<string | null> {
  const settings = context.settings.autoResolve;
  const domain = input.parsed.domain;
  const corporate = !domainOnList(domain, FREE_MAIL_DOMAINS);
  if (corporate) {
    await context.accounts.loadDomains([domain]);
    const found = context.accounts.chooseForDomain(domain, ownerUserId);
    if (found !== null) {
      return found.id;
    }
  }
  const name = signature?.company ?? companyFromDomain(domain);
  if (corporate && settings.createAccountFromDomain && name !== null) {
    const result = await createOnce(context.claims, `account:${domain}`, {
      findExisting: async () => {
        context.accounts.forgetDomain(domain);
        await context.accounts.loadDomains([domain]);
        return context.accounts.chooseForDomain(domain, ownerUserId)?.id ?? null;
      },
      insert: () => context.directory.insertAccount({ Name: name, Website: domain }, ownerUserId),
    });
    if (result.kind === 'created') {
      const now = context.now().toISOString();
      context.accounts.rememberDomainAccount(domain, { id: result.id, name, website: domain, ownerId: ownerUserId, lastActivityDate: null, lastModifiedDate: now });
      created.push({ id: result.id, object: 'Account', rule: 'accountCreatedFromDomain', detail: `no Account had the domain ${domain}; created "${name}" for a new Contact` });
      return result.id;
    }
    if (result.kind !== 'failed') {
      return result.id;
    }
  }
  return settings.fallbackAccountId;
}
