import type { RecordTable, SfRecord } from '../record-table.ts';
import { NUMBER_FIELD_TYPES, TEXT_FIELD_TYPES as TEXT_TYPES } from '../schema/field-def.ts';
import type { Comparison, Condition, OrderItem, SoqlQuery, SoqlValue } from './soql-query.ts';


/**
 * Runs a parsed query over a table: candidate records (from an index when the filter pins Id or an external
 * id), the WHERE filter, ORDER BY, OFFSET and LIMIT. `includeDeleted` is the difference between query and
 * queryAll. Returns matching records in result order, not yet projected.
 */
export function runQuery(query: SoqlQuery, table: RecordTable, includeDeleted: boolean): SfRecord[] {
  const matches: SfRecord[] = [];
  for (const record of candidates(query.where, table)) {
    if (!includeDeleted && record.IsDeleted === true) continue;
    if (query.where && !matchesCondition(query.where, record)) continue;
    matches.push(record);
  }
  if (query.orderBy.length > 0) matches.sort((a, b) => compareRecords(a, b, query.orderBy));
  const end = query.limit === null ? undefined : query.offset + query.limit;
  return matches.slice(query.offset, end);
}

function candidates(where: Condition | null, table: RecordTable): Iterable<SfRecord> {
  const ids = indexedIds(where, table);
  if (!ids) return table.all();
  return [...new Set(ids)].map((id) => table.get(id)).filter((r): r is SfRecord => r !== undefined)
    .sort((a, b) => String(a.SystemModstamp).localeCompare(String(b.SystemModstamp)));
}

/** Ids from the Id or an indexed field when the filter requires `field = x` or `field IN (...)`. */
function indexedIds(where: Condition | null, table: RecordTable): string[] | null {
  if (!where) return null;
  if (where.kind === 'and') {
    for (const item of where.items) {
      const ids = indexedIds(item, table);
      if (ids) return ids;
    }
    return null;
  }
  if (where.kind !== 'cmp' || (where.operator !== '=' && where.operator !== 'IN')) return null;
  const texts = where.values.flatMap((v) => (v.kind === 'text' ? [v.value] : []));
  if (texts.length !== where.values.length) return null;
  if (where.field.type === 'id') return texts;
  if (!table.isIndexed(where.field.name)) return null;
  return texts.flatMap((t) => table.findBy(where.field.name, t));
}

export function matchesCondition(condition: Condition, record: SfRecord): boolean {
  switch (condition.kind) {
    case 'and': return condition.items.every((c) => matchesCondition(c, record));
    case 'or': return condition.items.some((c) => matchesCondition(c, record));
    case 'not': return !matchesCondition(condition.item, record);
    case 'cmp': return matchesComparison(condition, record);
  }
}

function matchesComparison(cmp: Comparison, record: SfRecord): boolean {
  const value = record[cmp.field.name] ?? null;
  const [first] = cmp.values;
  switch (cmp.operator) {
    case 'IN': return cmp.values.some((v) => equals(cmp, value, v));
    case 'NOT IN': return !cmp.values.some((v) => equals(cmp, value, v));
    case '=': return first !== undefined && equals(cmp, value, first);
    case '!=': return first !== undefined && !equals(cmp, value, first);
    case 'LIKE': return first?.kind === 'text' && typeof value === 'string' && likePattern(first.value).test(value);
    default: {
      if (value === null || first === undefined || first.kind === 'null') return false;
      const order = compareValues(cmp, value, first);
      if (cmp.operator === '<') return order < 0;
      if (cmp.operator === '>') return order > 0;
      if (cmp.operator === '<=') return order <= 0;
      return order >= 0;
    }
  }
}

function equals(cmp: Comparison, value: unknown, literal: SoqlValue): boolean {
  if (literal.kind === 'null') return value === null;
  if (value === null) return false;
  return compareValues(cmp, value, literal) === 0;
}

/** Orders a stored value against a literal by the field's type; text compares without regard to case. */
function compareValues(cmp: Comparison, value: unknown, literal: SoqlValue): number {
  if (literal.kind === 'datetime') return compareText(String(value), literal.text);
  if (literal.kind === 'number') return Number(value) - literal.value;
  if (literal.kind === 'boolean') return Number(value === true) - Number(literal.value);
  if (literal.kind === 'date') return String(value).localeCompare(literal.value);
  if (literal.kind !== 'text') return 0;
  if (!TEXT_TYPES.has(cmp.field.type)) return compareText(String(value), literal.value);
  return compareText(String(value).toLowerCase(), literal.value.toLowerCase());
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** SOQL LIKE: `%` any run, `_` one character, backslash escapes them; case-insensitive, whole value. */
function likePattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern.charAt(i);
    if (ch === '\\' && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegex(pattern.charAt(i));
    } else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += escapeRegex(ch);
  }
  return new RegExp(`^${source}$`, 'i');
}

function escapeRegex(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function compareRecords(a: SfRecord, b: SfRecord, orderBy: OrderItem[]): number {
  for (const item of orderBy) {
    const order = compareForSort(a[item.field.name] ?? null, b[item.field.name] ?? null, item);
    if (order !== 0) return order;
  }
  return 0;
}

function compareForSort(a: unknown, b: unknown, item: OrderItem): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === item.nullsFirst ? -1 : 1;
  }
  const type = item.field.type;
  let order: number;
  if (NUMBER_FIELD_TYPES.has(type)) order = Number(a) - Number(b);
  else if (type === 'boolean') order = Number(a) - Number(b);
  else if (TEXT_TYPES.has(type)) order = compareText(String(a).toLowerCase(), String(b).toLowerCase());
  else order = compareText(String(a), String(b));
  return item.descending ? -order : order;
}
