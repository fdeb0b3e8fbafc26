import type { FieldDef, SObjectDef } from '../schema/field-def.ts';

/**
 * A literal as the evaluator compares it. A datetime also carries its stored text form, because stored datetimes
 * are fixed-width `2026-05-04T13:00:00.000+0000` strings that order the same way as the instants.
 */
export type SoqlValue =
  | { kind: 'text'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; value: number; text: string }
  | { kind: 'date'; value: string };

export type ComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN' | 'NOT IN';

export interface Comparison {
  kind: 'cmp';
  field: FieldDef;
  operator: ComparisonOperator;
  /** One value, or the list of IN / NOT IN. */
  values: SoqlValue[];
}

export type Condition =
  | Comparison
  | { kind: 'and'; items: Condition[] }
  | { kind: 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition };

export interface OrderItem {
  field: FieldDef;
  descending: boolean;
  nullsFirst: boolean;
}

/** A parsed query of the supported subset, with every name resolved against the object's fields. */
export interface SoqlQuery {
  object: SObjectDef;
  /** The selected fields in order, or 'count' for `SELECT COUNT()`. */
  fields: FieldDef[] | 'count';
  where: Condition | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number;
}
