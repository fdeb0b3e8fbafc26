import { KEY_PREFIX, toId18 } from './ids.ts';
import { SfError } from './sf-error.ts';
import { formatDate, formatDateTime, parseDate, parseDateTime } from './sf-time.ts';
import type { FieldDef } from './schema/field-def.ts';

const TYPE_NAMES: Record<FieldDef['type'], string> = {
  id: 'id', reference: 'id', string: 'string', textarea: 'string', combobox: 'string', picklist: 'string',
  email: 'string', boolean: 'boolean', int: 'int', datetime: 'datetime', date: 'date', phone: 'string',
  url: 'string', double: 'double', currency: 'double', percent: 'double', base64: 'base64',
};

const PREFIX_OF: Record<string, string> = KEY_PREFIX;

/**
 * Turns a JSON value sent for a field into its stored wire form, refusing it the way Salesforce does:
 * wrong JSON type, text over the field's length, a value outside a restricted picklist, a malformed id.
 */
export function coerceFieldValue(def: FieldDef, raw: unknown): unknown {
  if (raw === null || raw === undefined || raw === '') return emptyValue(def, raw);

  switch (def.type) {
    case 'string': case 'textarea': case 'combobox': case 'picklist': case 'email': case 'phone': case 'url':
      return coerceText(def, raw);
    case 'double': case 'currency': case 'percent':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw parserError(def, raw);
      return raw;
    case 'base64':
      if (typeof raw !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(raw)) throw parserError(def, raw);
      return raw.replace(/\s/g, '');
    case 'boolean':
      if (typeof raw !== 'boolean') throw parserError(def, raw);
      return raw;
    case 'int':
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw parserError(def, raw);
      return raw;
    case 'datetime':
      return coerceDateTime(def, raw);
    case 'date':
      return coerceDate(def, raw);
    case 'id': case 'reference':
      return coerceReference(def, raw);
  }
}

function emptyValue(def: FieldDef, raw: unknown): unknown {
  if (def.type === 'boolean') {
    if (raw === '') throw parserError(def, raw);
    return false;
  }
  if (!def.nillable && !def.defaultedOnCreate) {
    throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${def.name}]`, [def.name]);
  }
  return null;
}

function coerceText(def: FieldDef, raw: unknown): string {
  if (typeof raw !== 'string') throw parserError(def, raw);
  if (raw.length > def.length) {
    throw new SfError(400, 'STRING_TOO_LONG',
      `${def.label}: data value too large: ${raw.slice(0, 80)} (max length=${def.length})`, [def.name]);
  }
  if (def.type === 'email' && !/^[^@\s]+@[^@\s]+$/.test(raw)) {
    throw new SfError(400, 'INVALID_EMAIL_ADDRESS', `${def.label}: invalid email address: ${raw}`, [def.name]);
  }
  if (def.type !== 'picklist' || !def.restrictedPicklist) return raw;
  const match = def.picklistValues.find((p) => p.active && p.value.toLowerCase() === raw.toLowerCase());
  if (!match) {
    throw new SfError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      `${def.label}: bad value for restricted picklist field: ${raw}`, [def.name]);
  }
  return match.value;
}

function coerceDateTime(def: FieldDef, raw: unknown): string {
  const ms = typeof raw === 'string' ? parseDateTime(raw) : null;
  if (ms === null) throw parserError(def, raw);
  return formatDateTime(ms);
}

function coerceDate(def: FieldDef, raw: unknown): string {
  if (typeof raw !== 'string') throw parserError(def, raw);
  const ms = parseDate(raw) ?? parseDateTime(raw);
  if (ms === null) throw parserError(def, raw);
  return formatDate(ms);
}

function coerceReference(def: FieldDef, raw: unknown): string {
  if (typeof raw !== 'string') throw parserError(def, raw);
  const id = toId18(raw);
  if (!id) {
    throw new SfError(400, 'MALFORMED_ID', `${def.label}: id value of incorrect type: ${raw}`, [def.name]);
  }
  const prefixes = def.referenceTo.map((name) => PREFIX_OF[name]);
  if (prefixes.length > 0 && prefixes.every((p) => p !== undefined) && !prefixes.includes(id.slice(0, 3))) {
    throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', `${def.label}: id value of incorrect type: ${raw}`, [def.name]);
  }
  return id;
}

function parserError(def: FieldDef, raw: unknown): SfError {
  let token = 'VALUE_OTHER';
  if (typeof raw === 'number') token = 'VALUE_NUMBER';
  if (typeof raw === 'string') token = 'VALUE_STRING';
  return new SfError(400, 'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${TYPE_NAMES[def.type]} from ${token} value ${String(raw)} `
    + `or request may be missing a required field (field ${def.name})`, [def.name]);
}
