import { parseQuery, type Condition as LibCondition, type FieldType, type OrderByClause, type Query } from '@jetstreamapp/soql-parser-js';
import { toId18 } from '../ids.ts';
import { formatDate, formatDateTime, parseDate, parseDateTime } from '../sf-time.ts';
import { TEXT_FIELD_TYPES as TEXT_TYPES, findField, type FieldDef, type SObjectDef } from '../schema/field-def.ts';
import { positionOf, soqlError } from './soql-error.ts';
import { whereTokens, type WhereToken } from './where-tokens.ts';
import type { ComparisonOperator, Condition, OrderItem, SoqlQuery, SoqlValue } from './soql-query.ts';
import type { SfError } from '../sf-error.ts';

const OPERATORS = new Set<string>(['=', '!=', '<', '>', '<=', '>=', 'LIKE', 'IN', 'NOT IN']);

/**
 * Parses the SOQL subset the emulator serves (one object, plain fields or COUNT(), WHERE with AND/OR/NOT and
 * parentheses, comparisons, IN, LIKE, ORDER BY, LIMIT, OFFSET) and resolves every name against the schema.
 * Errors carry Salesforce's codes: MALFORMED_QUERY, INVALID_TYPE, INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR.
 */
export function parseSoql(text: string, objectOf: (name: string) => SObjectDef | undefined): SoqlQuery {
  const parsed = parseWithLibrary(text);
  const objectName = parsed.sObject ?? '';
  const object = objectOf(objectName);
  if (!object) {
    throw soqlError(text, positionOf(text, objectName, positionOf(text, 'FROM')), 'INVALID_TYPE',
      `sObject type '${objectName}' is not supported. If you are attempting to use a custom object, be sure to `
      + "append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.");
  }
  const resolver = new Resolver(text, object);
  return {
    object,
    fields: resolver.selectList(parsed.fields ?? []),
    where: resolver.where(whereTokens(parsed.where)),
    orderBy: resolver.orderBy(parsed.orderBy),
    limit: parsed.limit ?? null,
    offset: parsed.offset ?? 0,
  };
}

function parseWithLibrary(text: string): Query {
  const unsupported = /\b(GROUP\s+BY|HAVING|TYPEOF|WITH|FOR\s+(VIEW|UPDATE|REFERENCE)|USING\s+SCOPE)\b/i.exec(text);
  if (unsupported) throw soqlError(text, unsupported.index, 'MALFORMED_QUERY', `unexpected token: '${unsupported[0]}'`);
  try {
    return parseQuery(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const found = /but found:? ?-*>? ?'([^']*)'/.exec(message)?.[1] ?? '';
    const at = found === '' ? text.length : positionOf(text, found);
    throw soqlError(text, at, 'MALFORMED_QUERY', `unexpected token: ${found === '' ? '<EOF>' : `'${found}'`}`);
  }
}

class Resolver {
  private readonly text: string;
  private readonly object: SObjectDef;
  private tokens: WhereToken[] = [];
  private at = 0;

  constructor(text: string, object: SObjectDef) {
    this.text = text;
    this.object = object;
  }

  selectList(fields: FieldType[]): FieldDef[] | 'count' {
    const first = fields[0];
    if (fields.length === 1 && first?.type === 'FieldFunctionExpression' && first.functionName.toUpperCase() === 'COUNT'
      && first.parameters.length === 0) return 'count';
    const resolved: FieldDef[] = [];
    for (const f of fields) {
      if (f.type !== 'Field') throw this.unsupportedField(f);
      const def = this.field(f.field);
      if (resolved.includes(def)) {
        throw soqlError(this.text, positionOf(this.text, f.field), 'MALFORMED_QUERY', `duplicate field selected: ${def.name}`);
      }
      resolved.push(def);
    }
    return resolved;
  }

  orderBy(clause: OrderByClause | OrderByClause[] | undefined): OrderItem[] {
    const items = clause === undefined ? [] : Array.isArray(clause) ? clause : [clause];
    return items.map((item) => {
      if (!('field' in item)) throw soqlError(this.text, positionOf(this.text, 'ORDER'), 'MALFORMED_QUERY', 'unexpected token: ORDER BY function');
      const descending = item.order === 'DESC';
      const nullsFirst = item.nulls === undefined ? !descending : item.nulls === 'FIRST';
      return { field: this.field(item.field), descending, nullsFirst };
    });
  }

  where(tokens: WhereToken[]): Condition | null {
    if (tokens.length === 0) return null;
    this.tokens = tokens;
    this.at = 0;
    const condition = this.expression();
    if (this.at < tokens.length) throw this.unexpected(tokens[this.at]?.kind ?? '<EOF>');
    return condition;
  }

  /** Parses operands joined by one logical operator, because SOQL rejects AND and OR mixed without parentheses. */
  private expression(): Condition {
    const items = [this.unary()];
    let joiner: 'AND' | 'OR' | null = null;
    for (let token = this.tokens[this.at]; token && (token.kind === 'AND' || token.kind === 'OR'); token = this.tokens[this.at]) {
      if (joiner !== null && token.kind !== joiner) throw this.unexpected(token.kind);
      joiner = token.kind;
      this.at += 1;
      items.push(this.unary());
    }
    if (joiner === null) return items[0] as Condition;
    return joiner === 'AND' ? { kind: 'and', items } : { kind: 'or', items };
  }

  private unary(): Condition {
    const token = this.tokens[this.at];
    this.at += 1;
    if (!token) throw this.unexpected('<EOF>');
    if (token.kind === 'NOT') return { kind: 'not', item: this.unary() };
    if (token.kind === '(') {
      const inner = this.expression();
      if (this.tokens[this.at]?.kind !== ')') throw this.unexpected(this.tokens[this.at]?.kind ?? '<EOF>');
      this.at += 1;
      return inner;
    }
    if (token.kind === 'cmp') return this.comparison(token.condition);
    throw this.unexpected(token.kind);
  }

  private comparison(condition: LibCondition): Condition {
    if (!('field' in condition) || 'valueQuery' in condition || !('value' in condition)) {
      throw soqlError(this.text, positionOf(this.text, 'WHERE'), 'MALFORMED_QUERY',
        'unexpected token: only field comparisons with literal values are supported');
    }
    const operator = condition.operator.toUpperCase();
    if (!OPERATORS.has(operator)) throw this.unexpected(operator);
    const def = this.field(condition.field);
    const raw = Array.isArray(condition.value) ? condition.value : [condition.value];
    const declared = condition.literalType;
    const types: string[] = Array.isArray(declared) ? declared : raw.map(() => declared ?? 'STRING');
    const values = raw.map((value, i) => this.literal(def, String(value), types[i] ?? 'STRING'));
    if (operator === 'LIKE' && !TEXT_TYPES.has(def.type)) {
      throw soqlError(this.text, positionOf(this.text, condition.field), 'INVALID_QUERY_FILTER_OPERATOR',
        `invalid operator on ${def.type} field: LIKE`);
    }
    return { kind: 'cmp', field: def, operator: operator as ComparisonOperator, values };
  }

  private literal(def: FieldDef, raw: string, literalType: string): SoqlValue {
    if (literalType === 'NULL') return { kind: 'null' };
    const mismatch = (expected: string, quoted: boolean): SfError => soqlError(this.text, positionOf(this.text, def.name),
      'MALFORMED_QUERY', `value of filter criterion for field '${def.name}' must be of type ${expected} and should `
      + `${quoted ? '' : 'not '}be enclosed in quotes`);
    switch (def.type) {
      case 'id': case 'reference': {
        if (literalType !== 'STRING') throw mismatch('id', true);
        const text = unquote(raw);
        const id = toId18(text);
        if (!id) throw soqlError(this.text, positionOf(this.text, def.name), 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${text}`);
        return { kind: 'text', value: id };
      }
      case 'boolean':
        if (literalType !== 'BOOLEAN') throw mismatch('boolean', false);
        return { kind: 'boolean', value: raw.toUpperCase() === 'TRUE' };
      case 'int': case 'double': case 'currency': case 'percent':
        if (literalType !== 'INTEGER' && literalType !== 'DECIMAL') throw mismatch('number', false);
        return { kind: 'number', value: Number(raw) };
      case 'datetime': {
        const ms = literalType === 'DATETIME' ? parseDateTime(raw) : null;
        if (ms === null) throw mismatch('dateTime', false);
        return { kind: 'datetime', value: ms, text: formatDateTime(ms) };
      }
      case 'date': {
        const ms = literalType === 'DATE' ? parseDate(raw) : null;
        if (ms === null) throw mismatch('date', false);
        return { kind: 'date', value: formatDate(ms) };
      }
      default:
        if (literalType !== 'STRING') throw mismatch('string', true);
        return { kind: 'text', value: unquote(raw) };
    }
  }

  private field(name: string): FieldDef {
    const def = findField(this.object, name);
    if (def) return def;
    throw soqlError(this.text, positionOf(this.text, name), 'INVALID_FIELD',
      `No such column '${name}' on entity '${this.object.name}'. If you are attempting to use a custom field, be sure `
      + "to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
      + 'appropriate names.');
  }

  private unsupportedField(f: FieldType): SfError {
    if (f.type === 'FieldRelationship') {
      const [relationship = ''] = f.relationships;
      return soqlError(this.text, positionOf(this.text, `${relationship}.${f.field}`), 'INVALID_FIELD',
        `Didn't understand relationship '${relationship}' in field path. The emulator serves plain fields only.`);
    }
    return soqlError(this.text, positionOf(this.text, 'SELECT') + 7, 'MALFORMED_QUERY',
      'unexpected token: only plain fields and COUNT() are supported in the select list');
  }

  private unexpected(token: string): SfError {
    const at = token === '<EOF>' ? this.text.length : positionOf(this.text, token, positionOf(this.text, 'WHERE'));
    return soqlError(this.text, at, 'MALFORMED_QUERY', `unexpected token: ${token === '<EOF>' ? token : `'${token}'`}`);
  }
}

/** Strips the quotes of a SOQL string literal and resolves its backslash escapes. */
export function unquote(raw: string): string {
  const body = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };
  return body.replace(/\\(.)/g, (_m, ch: string) => escapes[ch] ?? `\\${ch}`);
}
