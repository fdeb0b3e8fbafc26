import { DOTLESS_DOMAINS, SUBADDRESS_DOMAINS } from './lists.ts';

/** An email address split into its parts, lower-cased; null parts never occur for a valid address. */
export interface ParsedAddress {
  /** The whole address, trimmed and lower-cased. */
  readonly address: string;
  readonly localPart: string;
  readonly domain: string;
}

const ADDRESS = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;.]+$/;

/** Parse an address; returns null for a value that is not a plain `local@domain.tld` address. */
export function parseAddress(value: string): ParsedAddress | null {
  const address = value.trim().replace(/^mailto:/i, '').toLowerCase();
  if (!ADDRESS.test(address)) {
    return null;
  }
  const at = address.lastIndexOf('@');
  return { address, localPart: address.slice(0, at), domain: address.slice(at + 1) };
}

/**
 * The key two addresses of one mailbox share. Everything is lower-cased; on a subaddressing domain the `+tag` is
 * dropped; on Gmail the dots of the local part are dropped and googlemail.com becomes gmail.com. `extraSubaddress`
 * adds domains (usually the org's own) whose server also ignores `+tags`.
 */
export function mailboxKey(parsed: ParsedAddress, extraSubaddress: readonly string[] = []): string {
  let { localPart, domain } = parsed;
  if (SUBADDRESS_DOMAINS.includes(domain) || extraSubaddress.includes(domain)) {
    const plus = localPart.indexOf('+');
    localPart = plus > 0 ? localPart.slice(0, plus) : localPart;
  }
  if (DOTLESS_DOMAINS.includes(domain)) {
    localPart = localPart.replaceAll('.', '');
    domain = 'gmail.com';
  }
  return `${localPart}@${domain}`;
}

/**
 * What to ask Salesforce for so that every stored spelling of the mailbox is found: exact values for `IN` lists,
 * and LIKE patterns for spellings an `IN` list cannot name. On a subaddressing domain the pattern finds a stored
 * `+tag` (`ann+%@outlook.com` finds `ann+crm@outlook.com` for `ann@outlook.com`). On Gmail it allows any dots and
 * any tag (`a%n%n%@gmail.com`), with one pattern per domain to keep the queries few. The results are filtered by `mailboxKey` afterwards, because a
 * pattern can also match other addresses.
 */
export interface AddressLookup {
  readonly exact: readonly string[];
  readonly patterns: readonly string[];
}

export function lookupFor(parsed: ParsedAddress, extraSubaddress: readonly string[] = []): AddressLookup {
  const key = mailboxKey(parsed, extraSubaddress);
  const exact = new Set([parsed.address, key]);
  const bare = key.slice(0, key.indexOf('@'));
  if (DOTLESS_DOMAINS.includes(parsed.domain)) {
    exact.add(`${bare}@googlemail.com`);
    const spaced = [...bare].map(escapeLike).join('%');
    return { exact: [...exact], patterns: DOTLESS_DOMAINS.map((domain) => `${spaced}%@${domain}`) };
  }
  if (SUBADDRESS_DOMAINS.includes(parsed.domain) || extraSubaddress.includes(parsed.domain)) {
    return { exact: [...exact], patterns: [`${escapeLike(bare)}+%@${parsed.domain}`] };
  }
  return { exact: [...exact], patterns: [] };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** The registrable-looking domain of a URL or host (`https://www.Acme.com/about` gives `acme.com`); null when none. */
export function websiteDomain(website: string): string | null {
  const trimmed = website.trim().toLowerCase();
  if (trimmed === '') {
    return null;
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//.test(trimmed) ? trimmed : `http://${trimmed}`;
  try {
    const host = new URL(withScheme).hostname.replace(/^www\d?\./, '');
    return host.includes('.') ? host : null;
  } catch {
    return null;
  }
}
