/**
 * Address and domain patterns of blocklists and `ownDomains`. Email saving uses the linking engine's matcher, so a
 * pattern means the same in both (see src/linking/address-patterns.ts).
 */
export { matchesAnyPattern, parseAddressPattern, parseAddressPatterns, type AddressPattern } from '../linking/address-patterns.ts';

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).trim().toLowerCase();
}
