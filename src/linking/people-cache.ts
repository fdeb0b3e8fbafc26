import { lookupFor, mailboxKey, parseAddress, type ParsedAddress } from './addresses.ts';
import type { PeopleDirectory, PersonRecord } from './ports.ts';

/**
 * Contacts and Leads per mailbox key, read from Salesforce once per session: `load` queries only the keys not
 * seen yet, all of them in one batched lookup.
 */
export class PeopleCache {
  private readonly byKey = new Map<string, PersonRecord[]>();

  constructor(
    private readonly directory: PeopleDirectory,
    private readonly subaddressDomains: readonly string[],
  ) {}

  /** Return the key of an address in this org (see `mailboxKey`). */
  keyOf(parsed: ParsedAddress): string {
    return mailboxKey(parsed, this.subaddressDomains);
  }

  async load(addresses: readonly ParsedAddress[]): Promise<void> {
    const missing = new Map<string, ParsedAddress>();
    for (const parsed of addresses) {
      const key = this.keyOf(parsed);
      if (!this.byKey.has(key) && !missing.has(key)) {
        missing.set(key, parsed);
      }
    }
    if (missing.size === 0) {
      return;
    }

    const exact = new Set<string>();
    const patterns = new Set<string>();
    for (const parsed of missing.values()) {
      const lookup = lookupFor(parsed, this.subaddressDomains);
      lookup.exact.forEach((value) => exact.add(value));
      lookup.patterns.forEach((value) => patterns.add(value));
    }
    const records = await this.directory.findPeople({ exact: [...exact], patterns: [...patterns] });

    for (const key of missing.keys()) {
      this.byKey.set(key, []);
    }
    for (const record of records) {
      this.add(record, new Set(missing.keys()));
    }
  }

  /** Return the Contacts and Leads of a loaded key, or an empty list when none has the address. */
  candidates(key: string): readonly PersonRecord[] {
    return this.byKey.get(key) ?? [];
  }

  /** Record a person found or created later in the session, so the next activity links to it without a query. */
  remember(key: string, record: PersonRecord): void {
    const list = this.byKey.get(key) ?? [];
    if (!list.some((known) => known.id === record.id)) {
      list.push(record);
    }
    this.byKey.set(key, list);
  }

  /** Forget a key, so that the next `load` reads it from Salesforce again. */
  forget(key: string): void {
    this.byKey.delete(key);
  }

  private add(record: PersonRecord, keys: ReadonlySet<string>): void {
    for (const email of record.emails) {
      const parsed = parseAddress(email);
      if (parsed === null) {
        continue;
      }
      const key = this.keyOf(parsed);
      if (keys.has(key)) {
        const list = this.byKey.get(key)!;
        if (!list.some((known) => known.id === record.id)) {
          list.push(record);
        }
      }
    }
  }
}
