/**
 * Address and domain patterns, as blocklists and the org's own domains list them:
 * - `dana@example.com` matches that address;
 * - `example.com` (or `@example.com`) matches every address at that domain;
 * - `*.example.com` matches every address at a subdomain of example.com (mail.example.com, a.b.example.com), not at
 *   example.com itself: list both to cover both.
 * Matching ignores case.
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

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).trim().toLowerCase();
}

export function matchesAnyPattern(address: string, patterns: readonly AddressPattern[]): boolean {
  const lower = address.trim().toLowerCase();
  const domain = domainOf(lower);
  return patterns.some((pattern) => {
    switch (pattern.kind) {
      case 'address':
        return lower === pattern.address;
      case 'domain':
        return domain === pattern.domain;
      case 'subdomains':
        return domain.endsWith(`.${pattern.domain}`);
    }
  });
}
