import type { Transform } from '../field-pair.ts';
import { cutToLength } from '../text-limit.ts';
import { crmField, mailboxField } from './fields.ts';

/** Salesforce multi-select picklists separate their values with `;`, so category lists are joined the same way. */
const LIST_SEPARATOR = ';';

/**
 * Text compared as both sides can store it: line breaks as `\n`, trailing white space dropped (Graph's text
 * bodies end with a line break Salesforce does not keep), empty as null, cut to the Salesforce field length.
 */
export function normalizeText(value: unknown, maxLength?: number): string | null {
  if (typeof value !== 'string') {
    return null;
  }

  const text = value.replace(/\r\n?/g, '\n').replace(/\s+$/u, '');
  return text === '' ? null : cutToLength(text, maxLength);
}

/** A list of category names as one text, so a list field can fill a Salesforce text or multi-select picklist field. */
function listToText(value: unknown): unknown {
  return Array.isArray(value) ? value.filter((entry) => typeof entry === 'string' && entry.trim() !== '').join(LIST_SEPARATOR) : value;
}

export const text: Transform = {
  fromMailbox: (read, pair) => {
    const spec = pair.transform.type === 'text' ? pair.transform : { type: 'text' as const };
    const value = normalizeText(listToText(read(mailboxField(pair))), spec.maxLength);
    if (value !== null || spec.fallback === undefined) {
      return value;
    }

    // A required Salesforce field: the first filled stand-in field, else the fixed text.
    for (const field of spec.fallback.fields) {
      const standIn = normalizeText(listToText(read(field)), spec.maxLength);
      if (standIn !== null) {
        return standIn;
      }
    }
    return cutToLength(spec.fallback.text, spec.maxLength);
  },
  fromCrm: (record, pair) => normalizeText(record[crmField(pair)], pair.transform.type === 'text' ? pair.transform.maxLength : undefined),
  toCrm: (value, pair) => ({ [crmField(pair)]: typeof value === 'string' ? value : null }),
  toMailbox: (value, _pair, context) => {
    const textValue = typeof value === 'string' ? value : null;
    if (context.fieldType === 'textList') {
      return (textValue ?? '')
        .split(LIST_SEPARATOR)
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
    }
    return textValue;
  },
};
