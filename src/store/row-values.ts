import { SIDES, type Side } from '../domain/glossary.ts';
import { OBJECT_KINDS, type MappedValue, type MappedValues, type ObjectKind } from '../domain/link.ts';

/**
 * Checks on values read back from the tables. A row that fails one was written by something other than this
 * store, such as a hand edit or a newer version. The error names the table and column so the operator can find it.
 */
export function readSide(value: string, where: string): Side {
  if ((SIDES as readonly string[]).includes(value)) {
    return value as Side;
  }
  throw new Error(`${where} has invalid side "${value}"; expected one of ${SIDES.join(', ')}: fix or delete the row`);
}

export function readObjectKind(value: string, where: string): ObjectKind {
  if ((OBJECT_KINDS as readonly string[]).includes(value)) {
    return value as ObjectKind;
  }
  throw new Error(
    `${where} has invalid object kind "${value}"; expected one of ${OBJECT_KINDS.join(', ')}: fix or delete the row`,
  );
}

export function readMappedValue(json: string, where: string): MappedValue {
  try {
    return JSON.parse(json) as MappedValue;
  } catch (error) {
    throw new Error(`${where} is not valid JSON: fix or delete the row`, { cause: error });
  }
}

export function readMappedValues(json: string, where: string): MappedValues {
  const value = readMappedValue(json, where);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where} is not a JSON object of mapped values: fix or delete the row`);
  }
  return value as MappedValues;
}

/** Stores a mapped value as JSON text; `undefined` has no JSON form and would silently become NULL. */
export function writeMappedValue(value: MappedValue, where: string): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) {
    throw new Error(`${where} is undefined; pass null for an absent value`);
  }
  return json;
}

/** Normalises an ISO 8601 time to UTC with milliseconds, the one text form that sorts by time. */
export function toSortableTime(value: string, where: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw new Error(`${where} "${value}" is not an ISO 8601 time: pass e.g. new Date().toISOString()`);
  }
  return time.toISOString();
}
