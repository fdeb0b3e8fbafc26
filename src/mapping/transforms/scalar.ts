import { DateTime } from 'luxon';

import type { MappedValue } from '../../domain/link.ts';
import type { Transform } from '../field-pair.ts';
import { crmField, mailboxField } from './fields.ts';
import { normalizeText } from './text.ts';

/** Return a date as `YYYY-MM-DD`, or null; Salesforce and every mailbox protocol write dates in that form. */
export function toDateValue(value: unknown): string | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    return null;
  }
  return value.slice(0, 10);
}

/** Parse an ISO instant in any offset form Graph or Salesforce writes and return it as `…Z` with milliseconds. */
export function toUtcInstant(value: string): string {
  // Salesforce writes `+0000`, which ISO 8601 basic-format parsers accept but Date.parse may not.
  const parsed = DateTime.fromISO(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'), { zone: 'UTC' });
  if (!parsed.isValid) {
    throw new RangeError(`Invalid instant ${JSON.stringify(value)}: expected an ISO 8601 date-time with an offset`);
  }
  return parsed.toUTC().toISO({ suppressMilliseconds: false }) ?? value;
}

function toInstantValue(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? toUtcInstant(value) : null;
}

function toNumberValue(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Convert a Salesforce value to a mapped value: text normalized as the text transform does, numbers and booleans as they are. */
function toScalarValue(value: unknown): MappedValue {
  if (typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return normalizeText(value);
}

export const date: Transform = {
  fromMailbox: (read, pair) => toDateValue(read(mailboxField(pair))),
  fromCrm: (record, pair) => toDateValue(record[crmField(pair)]),
  toCrm: (value, pair) => ({ [crmField(pair)]: toDateValue(value) }),
  toMailbox: (value) => toDateValue(value),
};

export const dateTime: Transform = {
  fromMailbox: (read, pair) => toInstantValue(read(mailboxField(pair))),
  fromCrm: (record, pair) => toInstantValue(record[crmField(pair)]),
  toCrm: (value, pair) => ({ [crmField(pair)]: toInstantValue(value) }),
  toMailbox: (value) => toInstantValue(value),
};

/** Salesforce booleans are never null, so an empty mailbox value compares as false. */
export const boolean: Transform = {
  fromMailbox: (read, pair) => read(mailboxField(pair)) === true,
  fromCrm: (record, pair) => record[crmField(pair)] === true,
  toCrm: (value, pair) => ({ [crmField(pair)]: value === true }),
  toMailbox: (value) => value === true,
};

export const number: Transform = {
  fromMailbox: (read, pair) => toNumberValue(read(mailboxField(pair))),
  fromCrm: (record, pair) => toNumberValue(record[crmField(pair)]),
  toCrm: (value, pair) => ({ [crmField(pair)]: toNumberValue(value) }),
  toMailbox: (value) => toNumberValue(value),
};

/**
 * A fixed value written to Salesforce. The mailbox side's value is always the constant, and the Salesforce side reads the
 * field's value, so a record that lacks the constant gets it when its pair is first merged.
 */
export const constant: Transform = {
  fromMailbox: (_read, pair) => (pair.transform.type === 'constant' ? pair.transform.value : null),
  fromCrm: (record, pair) => toScalarValue(record[crmField(pair)]),
  toCrm: (value, pair) => ({ [crmField(pair)]: value }),
  toMailbox: () => {
    throw new TypeError('A constant is written to Salesforce only');
  },
};

/** Outlook's private and confidential items are private in Salesforce; the reverse writes `private`. */
export const privateFlag: Transform = {
  fromMailbox: (read, pair) => {
    const sensitivity = read(mailboxField(pair));
    return sensitivity === 'private' || sensitivity === 'confidential';
  },
  fromCrm: (record, pair) => record[crmField(pair)] === true,
  toCrm: (value, pair) => ({ [crmField(pair)]: value === true }),
  toMailbox: (value) => (value === true ? 'private' : 'normal'),
};

/**
 * A task reminder: the mailbox's reminder instant against Salesforce's reminder time (first field) and its
 * reminder flag (second field). A reminder time with the flag off is no reminder.
 */
export const reminder: Transform = {
  fromMailbox: (read, pair) => toInstantValue(read(mailboxField(pair))),
  fromCrm: (record, pair) => (record[crmField(pair, 1)] === true ? toInstantValue(record[crmField(pair, 0)]) : null),
  toCrm: (value, pair) => {
    const instant = toInstantValue(value);
    return { [crmField(pair, 0)]: instant, [crmField(pair, 1)]: instant !== null };
  },
  toMailbox: (value) => toInstantValue(value),
};
