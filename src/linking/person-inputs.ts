import type { PersonRef } from '../domain/linking.ts';
import { matchesAnyPattern, type AddressPattern } from './address-patterns.ts';
import { parseAddress, type ParsedAddress } from './addresses.ts';
import type { Blocklist } from './blocklist.ts';

/** One person of an activity, parsed and checked. */
export interface PersonInput {
  readonly ref: PersonRef;
  readonly parsed: ParsedAddress;
  readonly key: string;
  /** False for an address at one of the org's own domains. */
  readonly external: boolean;
}

/**
 * Select the people of an activity the engine may look at: valid addresses, each once, with blocklisted ones (org and
 * user lists) left out before anything about them is queried, stored or logged. `ownDomains` are the org's own
 * domains as patterns (email saving reads the same list with the same matcher).
 */
export function personInputs(
  people: readonly PersonRef[],
  ownDomains: readonly AddressPattern[],
  blocklist: Blocklist,
  keyOf: (parsed: ParsedAddress) => string,
): PersonInput[] {
  const seen = new Set<string>();
  const inputs: PersonInput[] = [];
  for (const ref of people) {
    const parsed = parseAddress(ref.address);
    if (parsed === null || blocklist.match(parsed) !== null) {
      continue;
    }
    const key = keyOf(parsed);
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    inputs.push({ ref, parsed, key, external: !matchesAnyPattern(parsed.address, ownDomains) });
  }
  return inputs;
}
