import type { ParsedAddress } from './addresses.ts';

/**
 * A blocklist of addresses and domains, from the org's and the user's settings. Entries are an address
 * (`ann@example.com`), a domain (`example.com`, also `@example.com`), or a domain with its subdomains
 * (`*.example.com`, which covers `example.com` and `mail.example.com`). Matching ignores case.
 */
export class Blocklist {
  private readonly addresses = new Set<string>();
  private readonly domains = new Set<string>();
  private readonly parents: string[] = [];

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry.startsWith('*.')) {
        this.parents.push(entry.slice(2));
      } else if (entry.startsWith('@')) {
        this.domains.add(entry.slice(1));
      } else if (entry.includes('@')) {
        this.addresses.add(entry);
      } else if (entry !== '') {
        this.domains.add(entry);
      }
    }
  }

  /** Return the entry that blocks this address, or null when none does. */
  match(parsed: ParsedAddress): string | null {
    if (this.addresses.has(parsed.address)) {
      return parsed.address;
    }
    if (this.domains.has(parsed.domain)) {
      return parsed.domain;
    }
    const parent = this.parents.find((domain) => parsed.domain === domain || parsed.domain.endsWith(`.${domain}`));
    return parent === undefined ? null : `*.${parent}`;
  }
}
