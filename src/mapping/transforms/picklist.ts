import type { FieldPair, Transform } from '../field-pair.ts';
import { crmField, mailboxField } from './fields.ts';

type PicklistSpec = Extract<FieldPair['transform'], { type: 'picklist' }>;

function specOf(pair: FieldPair): PicklistSpec {
  if (pair.transform.type !== 'picklist') {
    throw new TypeError(`Pair "${pair.key}" is not a picklist pair`);
  }
  return pair.transform;
}

/** Salesforce value to mailbox value: the table's own reverse map, else `toCrm` reversed (first mailbox value wins). */
export function reverseMap(spec: PicklistSpec): Readonly<Record<string, string>> {
  if (spec.toMailbox !== undefined) {
    return spec.toMailbox;
  }
  const reversed: Record<string, string> = {};
  for (const [mailboxValue, crmValue] of Object.entries(spec.toCrm)) {
    reversed[crmValue] ??= mailboxValue;
  }
  return reversed;
}

/** Find the table's Salesforce value for `value`, matched without regard to case as Salesforce matches picklist values. */
function knownCrmValue(spec: PicklistSpec, value: unknown): string | null {
  if (typeof value !== 'string') {
    return null;
  }
  const known = [...Object.values(spec.toCrm), ...Object.keys(reverseMap(spec))];
  return known.find((candidate) => candidate.toLowerCase() === value.toLowerCase()) ?? null;
}

/**
 * Picklist values compared in Salesforce's terms: the mailbox value goes through the table, and a value on either
 * side that the table lacks (an empty one included) compares as `crmDefault`.
 */
export const picklist: Transform = {
  fromMailbox: (read, pair) => {
    const spec = specOf(pair);
    const value = read(mailboxField(pair));
    return typeof value === 'string' && Object.hasOwn(spec.toCrm, value) ? (spec.toCrm[value] ?? null) : spec.crmDefault;
  },
  fromCrm: (record, pair) => {
    const spec = specOf(pair);
    return knownCrmValue(spec, record[crmField(pair)]) ?? spec.crmDefault;
  },
  toCrm: (value, pair) => ({ [crmField(pair)]: typeof value === 'string' ? value : null }),
  toMailbox: (value, pair) => {
    const spec = specOf(pair);
    const map = reverseMap(spec);
    return typeof value === 'string' && Object.hasOwn(map, value) ? (map[value] ?? null) : spec.mailboxDefault;
  },
};
