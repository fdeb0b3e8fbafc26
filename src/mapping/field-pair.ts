import type { MappedValue, ObjectKind } from '../domain/link.ts';

export const FIELD_TYPES = ['text', 'textList', 'enum', 'date', 'dateTime', 'boolean', 'number', 'span', 'sensitivity'] as const;
/**
 * The value type of a canonical mailbox field: text, a list of texts (categories), one of fixed values, a date
 * `YYYY-MM-DD`, an ISO instant, a boolean, a number, an event span or an event's sensitivity.
 */
export type FieldType = (typeof FIELD_TYPES)[number];

export const DIRECTIONS = ['both', 'mailboxToCrm', 'crmToMailbox', 'off'] as const;
/** The way a field pair, or a whole object kind, flows: `both`, one way only, or not at all. */
export type Direction = (typeof DIRECTIONS)[number];

export const TRANSFORM_TYPES = [
  'text',
  'picklist',
  'constant',
  'date',
  'dateTime',
  'boolean',
  'number',
  'eventSpan',
  'spanFields',
  'spanDate',
  'privateFlag',
  'reminder',
] as const;
export type TransformType = (typeof TRANSFORM_TYPES)[number];

/** A constant written to Salesforce, or a picklist value. */
export type ScalarValue = string | number | boolean | null;

/**
 * The conversion of one pair's values between the sides. Every transform turns both sides' values into
 * one mapped value, and the merge compares mapped values only.
 */
export type TransformSpec =
  | {
      readonly type: 'text';
      /** The Salesforce field length; longer text is cut with the cut marked. */
      readonly maxLength?: number;
      /**
       * For a required Salesforce field: when the mailbox value is empty, the first non-empty of these mailbox
       * fields, else `text`, replaces it on both sides, so the pair compares equal and never flips.
       */
      readonly fallback?: { readonly fields: readonly string[]; readonly text: string };
    }
  | {
      readonly type: 'picklist';
      /** Mailbox value to Salesforce value. */
      readonly toCrm: Readonly<Record<string, string>>;
      /** Salesforce value to mailbox value; absent: `toCrm` reversed, the first mailbox value per Salesforce value. */
      readonly toMailbox?: Readonly<Record<string, string>>;
      /** Salesforce value for a mailbox value the table lacks, and the mapped value of an unknown Salesforce value. */
      readonly crmDefault: string | null;
      /** Mailbox value written for a Salesforce value the table lacks. */
      readonly mailboxDefault: string | null;
    }
  | { readonly type: 'constant'; readonly value: ScalarValue }
  | { readonly type: 'date' | 'dateTime' | 'boolean' | 'number' | 'eventSpan' | 'spanFields' | 'spanDate' | 'privateFlag' | 'reminder' };

/** One row of a mapping table: a canonical mailbox field, the Salesforce field(s), a direction and a transform. */
export interface FieldPair {
  /** Name of the mapped value in bases and conflict records. */
  readonly key: string;
  /** The field of the canonical mailbox item, as the kind's field catalog names it; null for a constant. */
  readonly mailboxField: string | null;
  /** The Salesforce fields the pair reads and writes, in the order its transform expects. */
  readonly crmFields: readonly string[];
  readonly direction: Direction;
  readonly transform: TransformSpec;
  /** True when a mailbox's own settings may turn the pair off or narrow it to one way. */
  readonly userAdjustable: boolean;
}

/** The mapping of one object kind for one mailbox: the Salesforce object, the whole-object direction and the pairs. */
export interface MappingTable {
  /** Where the table comes from, named in every error, e.g. `orgs[0].mappings.task` or `default-task`. */
  readonly name: string;
  readonly kind: ObjectKind;
  /** The Salesforce object the kind is mirrored with: `Event`, `Task`, `Contact` or a custom object. */
  readonly crmObject: string;
  /** One-way sync of the whole kind, or `off` to leave it out of sessions. */
  readonly direction: Direction;
  readonly pairs: readonly FieldPair[];
}

/** The event mapping table; kept as a name of its own for the calendar code paths. */
export type EventMapping = MappingTable;

/** What a transform needs beyond the value itself when it writes into the mailbox. */
export interface TransformContext {
  /** IANA zone for items written into the mailbox when the existing item's zone is unknown. */
  readonly mailboxTimeZone: string;
}

/** What a transform needs to write one mailbox field. */
export interface MailboxWriteContext extends TransformContext {
  /** The field's value as last read, or the neutral item's: a span keeps its zone on updates. */
  readonly currentValue: unknown;
  readonly fieldType: FieldType;
}

/** Converts one pair's values between each side's shape and the mapped value both sides are compared in. */
export interface Transform {
  /** The mapped value of the mailbox item; `read` returns a catalog field's value. */
  fromMailbox(read: (field: string) => unknown, pair: FieldPair): MappedValue;
  fromCrm(record: Readonly<Record<string, unknown>>, pair: FieldPair): MappedValue;
  toCrm(value: MappedValue, pair: FieldPair): Record<string, unknown>;
  /** The value to store in the pair's mailbox field; never called for a pair without one. */
  toMailbox(value: MappedValue, pair: FieldPair, context: MailboxWriteContext): unknown;
}
