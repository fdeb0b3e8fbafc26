/**
 * Address and domain patterns of blocklists and `ownDomains`. Email saving uses the linking engine's matcher, so a
 * pattern means the same in both (see src/linking/address-patterns.ts).
 */
export { matchesAnyPattern, parseAddressPattern, parseAddressPatterns, type AddressPattern } from '../linking/address-patterns.ts';
