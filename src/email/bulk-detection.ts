/** `Precedence` values that mark mailing-list and mass mail (a de-facto header, described in RFC 3834 section 2). */
const BULK_PRECEDENCE = new Set(['bulk', 'list', 'junk']);

/**
 * Return why a message counts as bulk or automated, or null when it does not: a `List-Unsubscribe` header (RFC 2369),
 * an `Auto-Submitted` value other than `no` (RFC 3834), or `Precedence: bulk`, `list` or `junk`. `headers` has
 * lower-case names.
 */
export function bulkReason(headers: Readonly<Record<string, string>>): string | null {
  if ((headers['list-unsubscribe'] ?? '').trim() !== '') {
    return 'List-Unsubscribe';
  }
  const autoSubmitted = firstToken(headers['auto-submitted']);
  if (autoSubmitted !== null && autoSubmitted !== 'no') {
    return `Auto-Submitted: ${autoSubmitted}`;
  }
  const precedence = firstToken(headers.precedence);
  if (precedence !== null && BULK_PRECEDENCE.has(precedence)) {
    return `Precedence: ${precedence}`;
  }
  return null;
}

/** The value's keyword before any parameters or comment, lower case; null when the header is absent or empty. */
function firstToken(value: string | undefined): string | null {
  const token = (value ?? '').replace(/\([^()]*\)/g, '').split(';')[0]!.trim().toLowerCase();
  return token === '' ? null : token;
}
