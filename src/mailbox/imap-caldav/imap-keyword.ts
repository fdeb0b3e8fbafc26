/** Printable ASCII without the atom-specials that RFC 3501 does not allow in a keyword. */
const KEYWORD_PATTERN = /^[!#$&'+,\-./0-9:;<=>?@A-Z[^_`a-z|}~]+$/;

/**
 * Check an IMAP keyword against RFC 3501 (an atom of printable ASCII, not a system flag starting with a backslash).
 * Return null when it is valid, else the message that names the value and the fix. The configuration check and the
 * connector both use this rule, so a keyword that loads is one the connector takes.
 */
export function keywordProblem(keyword: string): string | null {
  if (keyword.startsWith('\\') || !KEYWORD_PATTERN.test(keyword)) {
    return `salesforceKeyword ${JSON.stringify(keyword)} is not a valid IMAP keyword: use ASCII letters, digits and $ without spaces, brackets, quotes, % or *, e.g. $Salesforce`;
  }
  return null;
}
