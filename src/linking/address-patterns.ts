import { mailboxKey, parseAddress } from './addresses.ts';

/**
 * Address and domain patterns, as blocklists and the org's own domains list them. Linking and email saving share
 * this one matcher, so a pattern means the same in both:
 * - `dana@example.com` matches that mailbox, however it is written: case, and on domains that ignore them a `+tag`
 *   and Gmail's dots (`Dana+x@example.com` on a subaddressing domain, `D.ana@googlemail.com` for `dana@gmail.com`);
 * - `example.com` (or `@example.com`) matches every address at that domain only;
 * - `*.example.com` matches every address at example.com and at any of its subdomains (mail.example.com, a.b.example.com).
 */
export type AddressPattern =
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'domain'; readonly domain: string }
  | { readonly kind: 'subdomains'; readonly domain: string };

const DOMAIN = /^(?!-)[\p{L}\p{N}-]+(\.(?!-)[\p{L}\p{N}-]+)+$/u;

/** Parse one pattern; returns a sentence naming the problem and the fix when it is not one. */
export function parseAddressPattern(entry: string): AddressPattern | string {
  const value = entry.trim().toLowerCase();
  if (value.startsWith('*.')) {
    const domain = value.slice(2);
    return DOMAIN.test(domain) ? { kind: 'subdomains', domain } : `'${entry}' is not a valid pattern: after '*.' give a domain such as example.com`;
  }
  const at = value.lastIndexOf('@');
  if (at === 0) {
    const domain = value.slice(1);
    return DOMAIN.test(domain) ? { kind: 'domain', domain } : `'${entry}' is not a valid pattern: after '@' give a domain such as example.com`;
  }
  if (at > 0) {
    const domain = value.slice(at + 1);
    return DOMAIN.test(domain) && !/\s/.test(value) ? { kind: 'address', address: value } : `'${entry}' is not a valid email address: give one such as dana@example.com`;
  }
  return DOMAIN.test(value) ? { kind: 'domain', domain: value } : `'${entry}' is neither an address nor a domain: give dana@example.com, example.com or *.example.com`;
}

/** Parse patterns that configuration validation already accepted; throws for one that is invalid. */
export function parseAddressPatterns(entries: readonly string[]): AddressPattern[] {
  return entries.map((entry) => {
    const pattern = parseAddressPattern(entry);
    if (typeof pattern === 'string') {
      throw new Error(pattern);
    }
    return pattern;
  });
}

/** Return the text of a pattern as it would be configured (`*.example.com`); logs and explanations name this. */
export function patternText(pattern: AddressPattern): string {
  switch (pattern.kind) {
    case 'address':
      return pattern.address;
    case 'domain':
      return pattern.domain;
    case 'subdomains':
      return `*.${pattern.domain}`;
  }
}

/**
 * Return the first pattern that matches the address, or null. `extraSubaddress` names more domains whose server
 * ignores `+tags` (the org's `linking.subaddressDomains`).
 */
export function findMatchingPattern(address: string, patterns: readonly AddressPattern[], extraSubaddress: readonly string[] = []): AddressPattern | null {
  const parsed = parseAddress(address);
  const lower = address.trim().toLowerCase();
  const key = parsed === null ? lower : mailboxKey(parsed, extraSubaddress);
  const domains = new Set([parsed?.domain ?? lower.slice(lower.lastIndexOf('@') + 1), key.slice(key.lastIndexOf('@') + 1)]);
  for (const pattern of patterns) {
    if (matchesOne(pattern, lower, key, domains, extraSubaddress)) {
      return pattern;
    }
  }
  return null;
}

export function matchesAnyPattern(address: string, patterns: readonly AddressPattern[], extraSubaddress: readonly string[] = []): boolean {
  return findMatchingPattern(address, patterns, extraSubaddress) !== null;
}

function matchesOne(pattern: AddressPattern, lower: string, key: string, domains: ReadonlySet<string>, extraSubaddress: readonly string[]): boolean {
  switch (pattern.kind) {
    case 'address': {
      if (pattern.address === lower) {
        return true;
      }
      const entry = parseAddress(pattern.address);
      return entry !== null && mailboxKey(entry, extraSubaddress) === key;
    }
    case 'domain':
      return domains.has(pattern.domain);
    case 'subdomains':
      return [...domains].some((domain) => domain === pattern.domain || domain.endsWith(`.${pattern.domain}`));
  }
}
