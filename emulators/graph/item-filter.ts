import { propertyKey } from './event-input.ts';
import type { ExtendedProperty } from './event-record.ts';
import { GraphError } from './graph-error.ts';
import { splitTopLevelAnd, unquote } from './query-options.ts';

/**
 * `$filter` on To Do task and contact lists: clauses joined by `and`, each `property eq|ne 'text'` (or `true`,
 * `false`) on the properties a resource names, and for contacts the two lambdas Graph documents:
 * `singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')` and
 * `emailAddresses/any(a: a/address eq '…')`. Text compares case-insensitively, as Exchange compares it.
 */
export interface FilterFields<T> {
  readonly properties: Readonly<Record<string, (item: T) => string | boolean | null>>;
  readonly extendedProperties?: (item: T) => readonly ExtendedProperty[];
  readonly emailAddresses?: (item: T) => readonly string[];
}

type Predicate<T> = (item: T) => boolean;

const STRING = "'((?:[^']|'')*)'";
const COMPARISON = new RegExp(`^(\\w+)\\s+(eq|ne)\\s+(?:${STRING}|(true|false|null))$`, 'i');
const PROPERTY_ANY = new RegExp(
  `^singleValueExtendedProperties/any\\(\\s*(\\w+)\\s*:\\s*\\1/id\\s+eq\\s+${STRING}(?:\\s+and\\s+\\1/value\\s+eq\\s+${STRING})?\\s*\\)$`,
  'i',
);
const EMAIL_ANY = new RegExp(`^emailAddresses/any\\(\\s*(\\w+)\\s*:\\s*\\1/address\\s+eq\\s+${STRING}\\s*\\)$`, 'i');

export function parseItemFilter<T>(filter: string | undefined, fields: FilterFields<T>): Predicate<T> | null {
  if (filter === undefined || filter.trim() === '') {
    return null;
  }

  const predicates = splitTopLevelAnd(filter.trim()).map((clause) => parseClause(clause, fields));
  return (item) => predicates.every((predicate) => predicate(item));
}

function parseClause<T>(clause: string, fields: FilterFields<T>): Predicate<T> {
  const property = PROPERTY_ANY.exec(clause);
  if (property && fields.extendedProperties) {
    const read = fields.extendedProperties;
    const key = propertyKey(unquote(property[2] ?? ''));
    const value = property[3] === undefined ? null : unquote(property[3]);
    return (item) => read(item).some((candidate) => propertyKey(candidate.id) === key && (value === null || candidate.value === value));
  }

  const email = EMAIL_ANY.exec(clause);
  if (email && fields.emailAddresses) {
    const read = fields.emailAddresses;
    const expected = unquote(email[2] ?? '').toLowerCase();
    return (item) => read(item).some((address) => address.toLowerCase() === expected);
  }

  const comparison = COMPARISON.exec(clause);
  const name = comparison?.[1]?.toLowerCase() ?? '';
  const readEntry = Object.entries(fields.properties).find(([candidate]) => candidate.toLowerCase() === name);
  if (comparison && readEntry) {
    const read = readEntry[1];
    const expected = expectedValue(comparison[3], comparison[4]);
    const negate = comparison[2]?.toLowerCase() === 'ne';
    return (item) => equal(read(item), expected) !== negate;
  }

  throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${clause}`);
}

function expectedValue(text: string | undefined, literal: string | undefined): string | boolean | null {
  if (text !== undefined) {
    return unquote(text);
  }
  const lower = literal?.toLowerCase();
  return lower === 'null' ? null : lower === 'true';
}

function equal(actual: string | boolean | null, expected: string | boolean | null): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    return actual.toLowerCase() === expected.toLowerCase();
  }
  return actual === expected;
}
