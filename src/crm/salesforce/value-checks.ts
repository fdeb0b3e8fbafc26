import { ConnectorError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';

/** The part of an sObject describe field that the value checks read. */
export interface DescribeField {
  readonly name: string;
  readonly type: string;
  readonly length: number;
  readonly restrictedPicklist: boolean;
  readonly picklistValues: readonly { readonly value: string; readonly active: boolean; readonly defaultValue: boolean }[];
  /** Flagged External ID, so an upsert can match on it. */
  readonly externalId: boolean;
  /** The integration user may set it on a create, and on an update; a describe without the flags counts as yes. */
  readonly createable: boolean;
  readonly updateable: boolean;
}

/** Describe fields by lower-cased API name, since Salesforce field names are case-insensitive. */
export type FieldIndex = ReadonlyMap<string, DescribeField>;

/** Field types whose `length` bounds the text Salesforce accepts. */
const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'encryptedstring', 'combobox']);

export const CUT_MARKER = '…';

/** Read the `fields` of a `GET sobjects/{sobject}/describe` response. */
export function indexDescribe(body: unknown): FieldIndex {
  const fields = body !== null && typeof body === 'object' ? (body as { fields?: unknown }).fields : undefined;
  const index = new Map<string, DescribeField>();
  if (!Array.isArray(fields)) {
    return index;
  }

  for (const raw of fields as Record<string, unknown>[]) {
    if (typeof raw?.name !== 'string') {
      continue;
    }
    const picklist = Array.isArray(raw.picklistValues) ? (raw.picklistValues as Record<string, unknown>[]) : [];
    index.set(raw.name.toLowerCase(), {
      name: raw.name,
      type: typeof raw.type === 'string' ? raw.type : 'string',
      length: typeof raw.length === 'number' ? raw.length : 0,
      restrictedPicklist: raw.restrictedPicklist === true,
      externalId: raw.externalId === true,
      createable: raw.createable !== false,
      updateable: raw.updateable !== false,
      picklistValues: picklist
        .filter((entry) => typeof entry?.value === 'string')
        .map((entry) => ({ value: entry.value as string, active: entry.active !== false, defaultValue: entry.defaultValue === true })),
    });
  }
  return index;
}

/** Throw a `suspend` error naming the first field the org's `sobject` lacks: the mapping points at nothing. */
export function assertFieldsExist(index: FieldIndex, names: Iterable<string>, sobject = 'Event'): void {
  for (const name of names) {
    if (!index.has(name.toLowerCase())) {
      throw new ConnectorError({
        kind: 'suspend',
        code: 'FIELD_NOT_IN_ORG',
        message: `The Salesforce ${sobject} object has no field ${name}: create the field in the org (with read and edit access for the integration user) or remove it from the field mapping`,
        fields: [name],
      });
    }
  }
}

/**
 * Fit a record's values to the org's `sobject` fields before sending. Text longer than its field is cut, with the cut
 * marked. A value outside a restricted picklist becomes the picklist default, or is left out when there is no
 * default, so Salesforce keeps its own value. Throws for a field the org lacks.
 */
export function checkRecordValues(
  record: Readonly<Record<string, unknown>>,
  index: FieldIndex,
  logger: Logger,
  sobject = 'Event',
): Record<string, unknown> {
  assertFieldsExist(
    index,
    Object.keys(record).filter((name) => name !== 'attributes'),
    sobject,
  );

  const checked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    const field = index.get(name.toLowerCase());
    if (field === undefined || typeof value !== 'string') {
      checked[name] = value;
      continue;
    }

    // An empty string clears a picklist, as null does.
    if (field.restrictedPicklist && value !== '' && (field.type === 'picklist' || field.type === 'multipicklist')) {
      const allowed = fitPicklist(field, value);
      if (allowed !== value) {
        logger.debug({ field: field.name }, 'Value is not in the restricted picklist; using the picklist default');
      }
      if (allowed !== undefined) {
        checked[name] = allowed;
      }
      continue;
    }

    if (TEXT_TYPES.has(field.type) && field.length > 0 && value.length > field.length) {
      logger.debug({ field: field.name, length: value.length, limit: field.length }, 'Text is longer than the field; cutting it');
      checked[name] = cutText(value, field.length);
      continue;
    }
    checked[name] = value;
  }
  return checked;
}

/** Cut to at most `limit` UTF-16 units (the unit of Salesforce lengths), ending with the cut marker. */
export function cutText(text: string, limit: number): string {
  if (text.length <= limit) {
    return text;
  }
  let end = Math.max(0, limit - CUT_MARKER.length);
  const last = text.charCodeAt(end - 1);
  // Never leave half of a surrogate pair before the marker.
  if (last >= 0xd800 && last <= 0xdbff) {
    end -= 1;
  }
  return text.slice(0, end) + CUT_MARKER;
}

function fitPicklist(field: DescribeField, value: string): string | undefined {
  const active = field.picklistValues.filter((entry) => entry.active);
  const match = (candidate: string) => active.find((entry) => entry.value.toLowerCase() === candidate.toLowerCase())?.value;
  const fallback = active.find((entry) => entry.defaultValue)?.value;

  if (field.type === 'multipicklist') {
    const allowedParts = value
      .split(';')
      .map((part) => match(part.trim()))
      .filter((part): part is string => part !== undefined);
    return allowedParts.length > 0 ? allowedParts.join(';') : fallback;
  }
  return match(value) ?? fallback;
}
