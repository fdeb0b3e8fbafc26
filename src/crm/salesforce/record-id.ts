const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * Check that a value is a Salesforce record id: 15 case-sensitive characters, or 18 whose last three encode the
 * case of the first fifteen. Salesforce rejects a whole query whose `Id IN (...)` list contains one malformed id.
 */
export function isSalesforceId(value: string): boolean {
  if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(value)) {
    return false;
  }
  return value.length === 15 || value.slice(15) === caseSuffix(value.slice(0, 15));
}

/** The 18-character form of a record id (a 15-character id gets its case suffix); other values come back unchanged. */
export function toId18(value: string): string {
  return /^[A-Za-z0-9]{15}$/.test(value) ? `${value}${caseSuffix(value)}` : value;
}

function caseSuffix(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block += 1) {
    let bits = 0;
    for (let position = 0; position < 5; position += 1) {
      const char = id15.charAt(block * 5 + position);
      if (char >= 'A' && char <= 'Z') {
        bits += 1 << position;
      }
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}
