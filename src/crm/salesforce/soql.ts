/** Characters SOQL string literals must escape with a backslash, and their escaped form. */
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Quote and escape a value as a SOQL string literal. */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (char) => ESCAPES[char] ?? char)}'`;
}

/** Format an ISO instant or a Salesforce datetime as a SOQL datetime literal (unquoted, UTC, whole seconds). */
export function soqlDatetime(instant: string): string {
  const ms = parseSalesforceDatetime(instant);
  if (ms === undefined) {
    throw new Error(`Cannot use "${instant}" as a SOQL datetime: expected an ISO instant such as 2026-05-04T13:00:00Z`);
  }
  // Flooring to whole seconds keeps a `>=` bound inclusive, because a fraction in a SOQL literal is not documented.
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Milliseconds since the epoch for an ISO instant or a Salesforce datetime (`2026-05-04T13:00:00.000+0000`,
 * whose offset has no colon), or undefined when it is neither.
 */
export function parseSalesforceDatetime(value: string): number | undefined {
  const normalized = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalized);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Build a parenthesised list of string literals for `IN (...)`. */
export function soqlInList(values: readonly string[]): string {
  return `(${values.map(soqlString).join(', ')})`;
}

/**
 * Split values for `IN (...)` lists so each query stays far below the SOQL statement limit (100,000 characters)
 * and, once URL-encoded, the length a GET query URL allows (about 16,000).
 */
export function chunkForInList(values: readonly string[], maxChars = 4_000, maxValues = 200): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let chars = 0;

  for (const value of values) {
    const size = soqlString(value).length + 2;
    if (current.length > 0 && (chars + size > maxChars || current.length >= maxValues)) {
      chunks.push(current);
      current = [];
      chars = 0;
    }
    current.push(value);
    chars += size;
  }

  if (current.length > 0) {
    chunks.push(current);
  }
  return chunks;
}
