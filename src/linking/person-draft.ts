import type { ParsedAddress } from './addresses.ts';
import { FREE_MAIL_DOMAINS, domainOnList } from './lists.ts';
import { nameFromLocalPart, parseDisplayName, type PersonName } from './names.ts';
import type { PersonDraft } from './ports.ts';
import type { CreatedObject } from './settings.ts';
import type { SignatureFields } from './signature/parse-signature.ts';

/** Salesforce's own filler for a required field a Web-to-Lead form left empty. */
export const NOT_PROVIDED = '[not provided]';

/** Source of each value of a created person, for the explanation. */
export interface DraftSources {
  readonly name: 'signature' | 'displayName' | 'address' | 'none';
  readonly company: 'signature' | 'displayName' | 'domain' | 'none';
  /** Fields filled from the signature besides the name. */
  readonly fromSignature: readonly string[];
}

export interface DraftInput {
  readonly object: CreatedObject;
  readonly address: ParsedAddress;
  readonly displayName: string | null;
  /** The parsed signature when it belongs to this person (the sender or organizer), else null. */
  readonly signature: SignatureFields | null;
  readonly leadSource: string | null;
  readonly accountId: string | null;
}

/**
 * Build the values of a Lead, Contact or Person Account for an unknown address. The name comes from the
 * signature, else the display name, else the local part (`mary.oneil`); LastName is never the address itself and
 * falls back to `[not provided]`. A Lead's Company comes from the signature, the display name (`Ann | Acme`), the
 * corporate domain, else `[not provided]`.
 */
export function buildPersonDraft(input: DraftInput): { draft: PersonDraft; sources: DraftSources } {
  const display = parseDisplayName(input.displayName, input.address.localPart);
  const signature = input.signature;
  const { name, source: nameSource } = chooseName(signature, display.name, input.address);
  const company = chooseCompany(signature, display.company, input.address.domain);

  const fromSignature: string[] = [];
  const signed = (field: keyof SignatureFields, value: string | null): string | null => {
    if (value !== null && signature !== null && signature[field] === value) {
      fromSignature.push(field);
    }
    return value;
  };
  const title = signed('title', signature?.title ?? null);
  const phone = signed('phone', signature?.phone ?? null);
  const mobile = signed('mobilePhone', signature?.mobilePhone ?? null);
  const fax = signed('fax', signature?.fax ?? null);
  const website = signed('website', signature?.website ?? null);

  const person = {
    Salutation: name.salutation,
    FirstName: name.firstName,
    LastName: name.lastName,
  };
  let values: Record<string, string | null>;
  switch (input.object) {
    case 'Lead':
      values = { ...person, Email: input.address.address, Company: company.value, Title: title, Phone: phone, MobilePhone: mobile, Fax: fax, Website: website, LeadSource: input.leadSource };
      break;
    case 'Contact':
      values = { ...person, Email: input.address.address, AccountId: input.accountId, Title: title, Phone: phone, MobilePhone: mobile, Fax: fax, LeadSource: input.leadSource };
      break;
    case 'PersonAccount':
      values = { ...person, PersonEmail: input.address.address, PersonTitle: title, Phone: phone, PersonMobilePhone: mobile, Fax: fax, Website: website };
      break;
  }
  return {
    draft: { object: input.object, values: withoutNulls(values) },
    sources: { name: nameSource, company: input.object === 'Lead' ? company.source : 'none', fromSignature },
  };
}

/** Derive a company name from a corporate domain (`acme-robotics.co.uk` gives `Acme Robotics`), or returns null for free-mail. */
export function companyFromDomain(domain: string): string | null {
  if (domainOnList(domain, FREE_MAIL_DOMAINS)) {
    return null;
  }
  const labels = domain.toLowerCase().split('.');
  // The label before a public suffix such as `.com`, `.co.uk` or `.com.au`.
  const secondLevel = labels.length >= 3 && /^(co|com|org|net|ac|gov|edu|ltd|plc)$/.test(labels.at(-2)!) ? labels.at(-3)! : labels.at(-2)!;
  const words = secondLevel.split(/[-_]+/).filter((word) => word !== '');
  return words.length === 0 ? null : words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}

function chooseName(signature: SignatureFields | null, display: PersonName | null, address: ParsedAddress): { name: PersonName; source: DraftSources['name'] } {
  if (signature?.lastName != null) {
    return { name: { salutation: display?.salutation ?? null, firstName: signature.firstName, lastName: signature.lastName }, source: 'signature' };
  }
  if (display !== null) {
    // A signature signed with the first name only completes a display name that lacks one.
    const firstName = display.firstName ?? signature?.firstName ?? null;
    return { name: { ...display, firstName }, source: 'displayName' };
  }
  const fromAddress = nameFromLocalPart(address.localPart);
  if (fromAddress !== null) {
    return { name: fromAddress, source: 'address' };
  }
  return { name: { salutation: null, firstName: signature?.firstName ?? null, lastName: NOT_PROVIDED }, source: 'none' };
}

function chooseCompany(signature: SignatureFields | null, displayCompany: string | null, domain: string): { value: string; source: DraftSources['company'] } {
  if (signature?.company != null) {
    return { value: signature.company, source: 'signature' };
  }
  if (displayCompany !== null) {
    return { value: displayCompany, source: 'displayName' };
  }
  const fromDomain = companyFromDomain(domain);
  return fromDomain === null ? { value: NOT_PROVIDED, source: 'none' } : { value: fromDomain, source: 'domain' };
}

function withoutNulls(values: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== ''));
}
