import type { EventRecord } from './event-record.ts';
import { propertyKey } from './event-input.ts';
import { GraphError } from './graph-error.ts';

/**
 * The OData query options the emulator understands on event reads: `$filter` with the extended-property
 * lambda (`singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`) and `eq` on a few plain
 * properties joined by `and`. Also `$expand=singleValueExtendedProperties($filter=id eq '…')`, `$select` and `$top`.
 */
type EventPredicate = (event: EventRecord) => boolean;

const STRING = "'((?:[^']|'')*)'";
const ANY_CLAUSE = new RegExp(
  `^singleValueExtendedProperties/any\\(\\s*(\\w+)\\s*:\\s*\\1/id\\s+eq\\s+${STRING}(?:\\s+and\\s+\\1/value\\s+eq\\s+${STRING})?\\s*\\)$`,
  'i',
);
const EQ_CLAUSE = new RegExp(`^(\\w+)\\s+eq\\s+(?:${STRING}|(true|false))$`, 'i');
const FILTERABLE: Record<string, (event: EventRecord) => string | boolean> = {
  subject: (event) => event.subject,
  icaluid: (event) => event.iCalUId,
  type: (event) => event.type,
  showas: (event) => event.showAs,
  sensitivity: (event) => event.sensitivity,
  isallday: (event) => event.isAllDay,
  iscancelled: (event) => event.isCancelled,
};

export function parseFilter(filter: string | undefined): EventPredicate | null {
  if (filter === undefined || filter.trim() === '') {
    return null;
  }

  const predicates = splitTopLevelAnd(filter.trim()).map(parseClause);
  return (event) => predicates.every((predicate) => predicate(event));
}

function parseClause(clause: string): EventPredicate {
  const any = ANY_CLAUSE.exec(clause);
  if (any) {
    const key = propertyKey(unquote(any[2] ?? ''));
    const value = any[3] === undefined ? null : unquote(any[3]);
    return (event) =>
      event.extendedProperties.some((property) => propertyKey(property.id) === key && (value === null || property.value === value));
  }

  const eq = EQ_CLAUSE.exec(clause);
  const read = eq ? FILTERABLE[(eq[1] ?? '').toLowerCase()] : undefined;
  if (eq && read) {
    const expected: string | boolean = eq[2] !== undefined ? unquote(eq[2]) : eq[3]?.toLowerCase() === 'true';
    return (event) => read(event) === expected;
  }

  throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${clause}`);
}

export function splitTopLevelAnd(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === "'") {
      inString = !inString;
    } else if (!inString && char === '(') {
      depth += 1;
    } else if (!inString && char === ')') {
      depth -= 1;
    } else if (!inString && depth === 0) {
      const separator = /^\s+and\s+/i.exec(text.slice(index));
      if (separator) {
        parts.push(text.slice(start, index).trim());
        index += separator[0].length;
        start = index;
        continue;
      }
    }
    index += 1;
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part !== '');
}

export function unquote(literal: string): string {
  return literal.replace(/''/g, "'");
}

const EXPAND = new RegExp(`^singleValueExtendedProperties(?:\\(\\s*\\$filter\\s*=\\s*(.+)\\))?$`, 'i');
const EXPAND_ID = new RegExp(`id\\s+eq\\s+${STRING}`, 'gi');

/** Property ids to expand, 'all' for a bare `$expand=singleValueExtendedProperties`, or null without `$expand`. */
export function parseExpand(expand: string | undefined): string[] | 'all' | null {
  if (expand === undefined || expand.trim() === '') {
    return null;
  }

  const match = EXPAND.exec(expand.trim());
  if (!match) {
    throw new GraphError(400, 'BadRequest', `Cannot expand '${expand}'; events expand singleValueExtendedProperties only.`);
  }

  if (match[1] === undefined) {
    return 'all';
  }

  const ids = [...match[1].matchAll(EXPAND_ID)].map((found) => unquote(found[1] ?? ''));
  if (ids.length === 0) {
    throw new GraphError(400, 'BadRequest', `Invalid $filter inside $expand: ${match[1]}`);
  }
  return ids;
}

export function parseSelect(select: string | undefined): Set<string> | null {
  if (select === undefined || select.trim() === '') {
    return null;
  }
  return new Set(select.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== ''));
}

export function parseCount(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }

  if (!/^\d+$/.test(value.trim())) {
    throw new GraphError(400, 'BadRequest', `Invalid value '${value}' for ${option}; send a non-negative integer.`);
  }
  return Number(value.trim());
}
