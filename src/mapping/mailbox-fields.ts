import type { ObjectKind } from '../domain/link.ts';
import type { FieldType, TransformContext } from './field-pair.ts';

/** One field of a canonical mailbox item that a mapping pair may name. */
export interface MailboxField<T> {
  readonly name: string;
  readonly type: FieldType;
  /** The allowed values of an `enum` field. */
  readonly values?: readonly string[];
  /** The value written for an empty mapped value, for a field that is never null (a subject is ''). */
  readonly emptyValue?: unknown;
  get(item: T): unknown;
  /**
   * Return `draft` with this field set to `value`. `current` is the item as last read (or the kind's neutral item),
   * so a field inside an object (a phone number, an address line) keeps its siblings.
   */
  set(draft: Partial<T>, value: unknown, current: T): Partial<T>;
}

/** The fields of one kind's canonical mailbox item, and the neutral item a create starts from. */
export interface FieldCatalog<T> {
  readonly kind: ObjectKind;
  readonly fields: ReadonlyMap<string, MailboxField<T>>;
  /** A new item with neutral values, filled in by the mapping when it is created from a Salesforce record. */
  neutral(context: TransformContext): T;
}

/** Describe a field stored as a top-level property of the item. */
export function topLevel<T>(name: keyof T & string, type: FieldType, extra: Partial<Pick<MailboxField<T>, 'values' | 'emptyValue'>> = {}): MailboxField<T> {
  return {
    name,
    type,
    ...extra,
    get: (item) => item[name],
    set: (draft, value) => ({ ...draft, [name]: value }),
  };
}

/** Build a catalog from its field list. */
export function catalog<T>(kind: ObjectKind, fields: readonly MailboxField<T>[], neutral: (context: TransformContext) => T): FieldCatalog<T> {
  return { kind, fields: new Map(fields.map((field) => [field.name, field])), neutral };
}
