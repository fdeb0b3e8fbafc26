import { chunkForInList, soqlInList, soqlString } from '../soql.ts';

/** LIKE conditions per query: each is short, and the GET URL of a query must stay well under 16,000 characters. */
const PATTERNS_PER_QUERY = 20;

/** Build the SOQL queries that find Contacts or Leads by email: IN lists for exact values, LIKE for patterns. */
export function peopleQueries(options: {
  readonly sobject: 'Contact' | 'Lead';
  readonly select: readonly string[];
  readonly emailFields: readonly string[];
  readonly exact: readonly string[];
  readonly patterns: readonly string[];
  /** Extra condition every record must meet, e.g. `IsConverted = false`. */
  readonly where?: string;
}): string[] {
  const conditions: string[] = [];
  for (const chunk of chunkForInList([...new Set(options.exact)], 3_000, 100)) {
    conditions.push(options.emailFields.map((field) => `${field} IN ${soqlInList(chunk)}`).join(' OR '));
  }
  const patterns = [...new Set(options.patterns)];
  for (let start = 0; start < patterns.length; start += PATTERNS_PER_QUERY) {
    const chunk = patterns.slice(start, start + PATTERNS_PER_QUERY);
    conditions.push(chunk.flatMap((pattern) => options.emailFields.map((field) => `${field} LIKE ${soqlString(pattern)}`)).join(' OR '));
  }
  const extra = options.where === undefined ? '' : ` AND ${options.where}`;
  return conditions.map((condition) => `SELECT ${options.select.join(', ')} FROM ${options.sobject} WHERE (${condition})${extra}`);
}

/** Escape `%`, `_` and backslash for a LIKE pattern. */
export function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** Queries for Accounts whose Website contains one of the domains, `DOMAINS_PER_QUERY` domains each. */
export function accountWebsiteQueries(select: readonly string[], domains: readonly string[]): string[] {
  return chunked(domains).map((chunk) =>
    `SELECT ${select.join(', ')} FROM Account WHERE ${chunk.map((domain) => `Website LIKE ${soqlString(`%${likeLiteral(domain)}%`)}`).join(' OR ')}`);
}

/** Queries for the Contacts with an Account and an address at one of the domains. */
export function contactDomainQueries(domains: readonly string[]): string[] {
  return chunked(domains).map((chunk) =>
    `SELECT Id, AccountId, Email FROM Contact WHERE AccountId != null AND (${chunk.map((domain) => `Email LIKE ${soqlString(`%@${likeLiteral(domain)}`)}`).join(' OR ')})`);
}

function chunked(values: readonly string[]): string[][] {
  const unique = [...new Set(values)];
  const chunks: string[][] = [];
  for (let start = 0; start < unique.length; start += PATTERNS_PER_QUERY) {
    chunks.push(unique.slice(start, start + PATTERNS_PER_QUERY));
  }
  return chunks;
}
