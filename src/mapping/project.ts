import type { CrmRecord } from '../domain/connector.ts';
import type { MappedValue, MappedValues } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { Direction, FieldPair, MappingTable, TransformContext } from './field-pair.ts';
import { catalogOf } from './kind-catalogs.ts';
import type { MailboxField } from './mailbox-fields.ts';
import { TRANSFORMS } from './transforms/index.ts';

/** The context of a write into the mailbox: the owner's zone, and the item as last read when the session has it. */
export interface MailboxPatchContext extends TransformContext {
  readonly currentMailboxItem: MailboxItem | null;
}

/** Return a pair's direction within its table: a one-way or switched-off table narrows every pair. */
export function effectiveDirection(table: MappingTable, pair: FieldPair): Direction {
  return narrowDirection(table.direction, pair.direction);
}

/** Return the narrower of two directions: `both` yields to the other, and opposite one-way directions leave nothing. */
export function narrowDirection(outer: Direction, inner: Direction): Direction {
  if (outer === 'off' || inner === 'off') {
    return 'off';
  }
  if (outer === 'both') {
    return inner;
  }
  if (inner === 'both') {
    return outer;
  }
  return outer === inner ? outer : 'off';
}

/** True when the table lets items and values travel from `side` to the other side. */
export function flowsFrom(table: MappingTable, side: 'mailbox' | 'crm'): boolean {
  return table.direction === 'both' || table.direction === (side === 'mailbox' ? 'mailboxToCrm' : 'crmToMailbox');
}

/** Return the pairs a side reads changes from: every active pair whose direction starts on that side. */
export function pairsFlowingFrom(table: MappingTable, side: 'mailbox' | 'crm'): FieldPair[] {
  const from = side === 'mailbox' ? 'mailboxToCrm' : 'crmToMailbox';
  return table.pairs.filter((pair) => {
    const direction = effectiveDirection(table, pair);
    return direction === 'both' || direction === from;
  });
}

export function activePairs(table: MappingTable): FieldPair[] {
  return table.pairs.filter((pair) => effectiveDirection(table, pair) !== 'off');
}

export function projectMailboxItem(table: MappingTable, item: MailboxItem): MappedValues {
  const catalog = catalogOf(table.kind);
  const read = (name: string): unknown => requireField(catalog.fields.get(name), name, table).get(item);
  const values: Record<string, MappedValue> = {};
  for (const pair of activePairs(table)) {
    values[pair.key] = TRANSFORMS[pair.transform.type].fromMailbox(read, pair);
  }
  return values;
}

export function projectCrmRecord(table: MappingTable, record: CrmRecord): MappedValues {
  const values: Record<string, MappedValue> = {};
  for (const pair of activePairs(table)) {
    values[pair.key] = TRANSFORMS[pair.transform.type].fromCrm(record, pair);
  }
  return values;
}

/** Salesforce field values for the given mapped values (only the keys present are written). */
export function toCrmFields(table: MappingTable, values: MappedValues): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const pair of activePairs(table)) {
    if (pair.key in values) {
      Object.assign(fields, TRANSFORMS[pair.transform.type].toCrm(values[pair.key] ?? null, pair));
    }
  }
  return fields;
}

/** Build a partial mailbox item for the given mapped values (only the keys present are written). */
export function toMailboxPatch(table: MappingTable, values: MappedValues, context: MailboxPatchContext): Partial<MailboxItem> {
  const catalog = catalogOf(table.kind);
  // Without the item as read, a field inside an object gets neutral siblings, so the session reads the item first for
  // kinds that have such fields.
  const current = context.currentMailboxItem ?? catalog.neutral(context);
  let patch: Partial<MailboxItem> = {};
  for (const pair of activePairs(table)) {
    if (!(pair.key in values) || pair.mailboxField === null) {
      continue;
    }
    const field = requireField(catalog.fields.get(pair.mailboxField), pair.mailboxField, table);
    const written = TRANSFORMS[pair.transform.type].toMailbox(values[pair.key] ?? null, pair, {
      mailboxTimeZone: context.mailboxTimeZone,
      currentValue: context.currentMailboxItem === null ? null : field.get(current),
      fieldType: field.type,
    });
    patch = field.set(patch, written ?? field.emptyValue ?? null, current);
  }
  return patch;
}

/** Build a whole new mailbox item from mapped values, with the kind's neutral values for what the table does not carry. */
export function toNewMailboxItem(table: MappingTable, values: MappedValues, context: TransformContext): MailboxItem {
  const neutral = catalogOf(table.kind).neutral(context);
  return { ...neutral, ...toMailboxPatch(table, values, { ...context, currentMailboxItem: null }) } as MailboxItem;
}

/** The Salesforce fields a connector must read for this table. */
export function crmFieldsOf(table: MappingTable): string[] {
  return [...new Set(activePairs(table).flatMap((pair) => pair.crmFields))];
}

function requireField(field: MailboxField<MailboxItem> | undefined, name: string, table: MappingTable): MailboxField<MailboxItem> {
  if (field === undefined) {
    throw new TypeError(`Mapping ${table.name} names the ${table.kind} field "${name}", which does not exist; validate the table first`);
  }
  return field;
}
