import { DIRECTIONS, TRANSFORM_TYPES, type FieldPair, type FieldType, type MappingTable, type TransformType } from './field-pair.ts';
import { catalogOf } from './kind-catalogs.ts';
import type { MailboxField } from './mailbox-fields.ts';
import { effectiveDirection } from './project.ts';
import { EVENT_SPAN_FIELDS } from './transforms/span.ts';

/** Thrown for a mapping table that cannot work; the message names the table, the pair and the fix. */
export class MappingError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'MappingError';
  }
}

/** The mailbox field types each transform converts; a constant has no mailbox field. */
const FIELD_TYPES_OF: Readonly<Record<TransformType, readonly FieldType[]>> = {
  text: ['text', 'textList'],
  picklist: ['text', 'enum'],
  constant: [],
  date: ['date'],
  dateTime: ['dateTime'],
  boolean: ['boolean'],
  number: ['number'],
  eventSpan: ['span'],
  spanFields: ['span'],
  spanDate: ['span'],
  privateFlag: ['sensitivity'],
  reminder: ['dateTime'],
};

/** How many Salesforce fields each transform reads and writes, and what they are. */
const CRM_FIELD_COUNTS: Readonly<Partial<Record<TransformType, { count: number; meaning: string }>>> = {
  spanFields: { count: 3, meaning: 'the start date-time, end date-time and all-day checkbox fields' },
  reminder: { count: 2, meaning: 'the reminder date-time field and the reminder-set checkbox field' },
  eventSpan: { count: EVENT_SPAN_FIELDS.length, meaning: EVENT_SPAN_FIELDS.join(', ') },
};

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Check a mapping table before any session uses it; throws a `MappingError` listing every problem. */
export function validateMappingTable(table: MappingTable): MappingTable {
  const problems = mappingProblems(table);
  if (problems.length > 0) {
    throw new MappingError(problems);
  }
  return table;
}

/** List every problem of a table, one line each, naming the table, the pair and the fix. */
export function mappingProblems(table: MappingTable): string[] {
  const problems: string[] = [];
  if (!DIRECTIONS.includes(table.direction)) {
    problems.push(`${table.name}: direction "${table.direction}" is invalid; use one of ${DIRECTIONS.join(', ')}`);
  }
  if (!API_NAME.test(table.crmObject)) {
    problems.push(`${table.name}: crmObject "${table.crmObject}" is not a Salesforce object API name; use a name such as Task or Meeting__c`);
  }

  const keys = new Set<string>();
  for (const [index, pair] of table.pairs.entries()) {
    const where = `${table.name}, pair ${index} ("${pair.key}")`;
    if (keys.has(pair.key)) {
      problems.push(`${where}: key "${pair.key}" is used twice; give each pair its own key`);
    }
    keys.add(pair.key);
    problems.push(...pairProblems(table, pair, where));
  }

  problems.push(...sharedFieldProblems(table));
  const span = table.pairs.find((pair) => pair.key === 'span');
  if (table.kind === 'event' && (span === undefined || span.mailboxField !== 'span' || effectiveDirection(table, span) === 'off')) {
    problems.push(`${table.name}: the span pair is missing or off; an event cannot be mirrored without its start and end, so add a pair with key "span" on the mailbox field span`);
  }
  return problems;
}

function pairProblems(table: MappingTable, pair: FieldPair, where: string): string[] {
  if (!API_NAME.test(pair.key)) {
    return [`${where}: key "${pair.key}" is invalid; use letters, digits and underscores, starting with a letter`];
  }
  if (!DIRECTIONS.includes(pair.direction)) {
    return [`${where}: direction "${pair.direction}" is invalid; use one of ${DIRECTIONS.join(', ')}`];
  }
  if (!TRANSFORM_TYPES.includes(pair.transform.type)) {
    return [`${where}: transform "${pair.transform.type}" is unknown; use one of ${TRANSFORM_TYPES.join(', ')}`];
  }

  const problems = crmFieldProblems(pair, where);
  if (pair.transform.type === 'constant') {
    if (pair.mailboxField !== null) {
      problems.push(`${where}: a constant has no mailbox field; remove mailboxField "${pair.mailboxField}"`);
    }
    if (pair.direction !== 'mailboxToCrm' && pair.direction !== 'off') {
      problems.push(`${where}: a constant is only written to Salesforce; set its direction to mailboxToCrm (or off)`);
    }
    return problems;
  }

  const field = pair.mailboxField === null ? undefined : catalogOf(table.kind).fields.get(pair.mailboxField);
  if (field === undefined) {
    const names = [...catalogOf(table.kind).fields.keys()].join(', ');
    problems.push(`${where}: mailboxField "${pair.mailboxField ?? ''}" is not a field of a ${table.kind}; use one of ${names}`);
    return problems;
  }
  const accepted = FIELD_TYPES_OF[pair.transform.type];
  if (!accepted.includes(field.type)) {
    problems.push(`${where}: the ${pair.transform.type} transform does not convert the ${field.type} field ${field.name}; use a ${transformsFor(field.type).join(' or ')} transform`);
    return problems;
  }
  return [...problems, ...transformSettingProblems(table, pair, field, where)];
}

function transformsFor(type: FieldType): TransformType[] {
  return TRANSFORM_TYPES.filter((name) => FIELD_TYPES_OF[name].includes(type));
}

function crmFieldProblems(pair: FieldPair, where: string): string[] {
  const problems: string[] = [];
  const expected = CRM_FIELD_COUNTS[pair.transform.type] ?? { count: 1, meaning: 'one Salesforce field' };
  if (pair.crmFields.length !== expected.count) {
    problems.push(`${where}: the ${pair.transform.type} transform needs ${expected.meaning} in crmFields, got ${pair.crmFields.length} field(s)`);
  }
  for (const name of pair.crmFields) {
    if (!API_NAME.test(name)) {
      problems.push(`${where}: "${name}" is not a Salesforce field API name; use a name such as Subject or Region__c`);
    }
  }
  if (pair.transform.type === 'eventSpan' && pair.crmFields.some((name, index) => name !== EVENT_SPAN_FIELDS[index])) {
    problems.push(`${where}: the eventSpan transform writes the standard Event fields ${EVENT_SPAN_FIELDS.join(', ')}; for other fields use spanFields or spanDate`);
  }
  return problems;
}

function transformSettingProblems(table: MappingTable, pair: FieldPair, field: MailboxField<unknown>, where: string): string[] {
  const spec = pair.transform;
  if (spec.type === 'text') {
    const problems: string[] = [];
    if (spec.maxLength !== undefined && (!Number.isInteger(spec.maxLength) || spec.maxLength < 1)) {
      problems.push(`${where}: maxLength ${spec.maxLength} is invalid; use the Salesforce field length, a positive integer`);
    }
    for (const name of spec.fallback?.fields ?? []) {
      if (!catalogOf(table.kind).fields.has(name)) {
        problems.push(`${where}: fallback field "${name}" is not a field of a ${table.kind}; use one of ${[...catalogOf(table.kind).fields.keys()].join(', ')}`);
      }
    }
    return problems;
  }
  if (spec.type !== 'picklist') {
    return [];
  }

  const problems: string[] = [];
  if (Object.keys(spec.toCrm).length === 0) {
    problems.push(`${where}: the picklist's toCrm table is empty; map each mailbox value to its Salesforce value`);
  }
  const allowed = field.values;
  if (allowed === undefined) {
    return problems;
  }
  const unknown = [
    ...Object.keys(spec.toCrm),
    ...Object.values(spec.toMailbox ?? {}),
    ...(spec.mailboxDefault === null ? [] : [spec.mailboxDefault]),
  ].filter((value) => !allowed.includes(value));
  if (unknown.length > 0) {
    problems.push(`${where}: ${[...new Set(unknown)].map((value) => `"${value}"`).join(', ')} are not values of ${field.name}; use ${allowed.join(', ')}`);
  }
  if (spec.mailboxDefault === null) {
    problems.push(`${where}: ${field.name} always has a value, so the picklist needs a mailboxDefault; use one of ${allowed.join(', ')}`);
  }
  return problems;
}

/** Two pairs writing one field would overwrite each other's value on every session. */
function sharedFieldProblems(table: MappingTable): string[] {
  const problems: string[] = [];
  const active = table.pairs.filter((pair) => effectiveDirection(table, pair) !== 'off');
  const crmOwners = new Map<string, string>();
  const mailboxOwners = new Map<string, string>();
  for (const pair of active) {
    for (const name of pair.crmFields) {
      const owner = crmOwners.get(name.toLowerCase());
      if (owner !== undefined) {
        problems.push(`${table.name}: pairs "${owner}" and "${pair.key}" both map the Salesforce field ${name}; remove one of them or turn it off`);
      }
      crmOwners.set(name.toLowerCase(), pair.key);
    }
    if (pair.mailboxField === null) {
      continue;
    }
    const owner = mailboxOwners.get(pair.mailboxField);
    if (owner !== undefined) {
      problems.push(`${table.name}: pairs "${owner}" and "${pair.key}" both map the mailbox field ${pair.mailboxField}; remove one of them or turn it off`);
    }
    mailboxOwners.set(pair.mailboxField, pair.key);
  }
  return problems;
}
