import type { ParsedAddress } from './addresses.ts';
import { findMatchingPattern, parseAddressPattern, patternText, type AddressPattern } from './address-patterns.ts';

/**
 * A blocklist of addresses and domains from the org's and the user's settings, matched like email saving's patterns
 * (src/linking/address-patterns.ts). An address entry blocks its mailbox however it is written: case, and `+tags`
 * and Gmail's dots where the domain ignores them. `example.com` blocks that domain, `*.example.com` also its subdomains.
 */
export class Blocklist {
  private readonly patterns: AddressPattern[];

  /** `extraSubaddress`: more domains whose server ignores `+tags` (the org's `linking.subaddressDomains`). */
  constructor(entries: readonly string[], private readonly extraSubaddress: readonly string[] = []) {
    // Configuration validation rejects invalid entries; one that still fails to parse blocks nothing.
    this.patterns = entries.flatMap((entry) => {
      const pattern = parseAddressPattern(entry);
      return typeof pattern === 'string' ? [] : [pattern];
    });
  }

  /** Return the entry that blocks this address, as configured, or null when none does. Never the address itself. */
  match(parsed: ParsedAddress): string | null {
    const pattern = findMatchingPattern(parsed.address, this.patterns, this.extraSubaddress);
    return pattern === null ? null : patternText(pattern);
  }
}
