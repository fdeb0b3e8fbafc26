import type { Direction, FieldPair, TransformSpec } from '../field-pair.ts';

interface PairOptions {
  readonly direction?: Direction;
  readonly userAdjustable?: boolean;
}

/** Build a default pair; defaults flow both ways, and only pairs a person may do without are user-adjustable. */
export function pair(key: string, mailboxField: string | null, crmFields: readonly string[], transform: TransformSpec, options: PairOptions = {}): FieldPair {
  return {
    key,
    mailboxField,
    crmFields,
    direction: options.direction ?? 'both',
    transform,
    userAdjustable: options.userAdjustable ?? false,
  };
}

export function text(maxLength: number): TransformSpec {
  return { type: 'text', maxLength };
}

export const ADJUSTABLE: PairOptions = { userAdjustable: true };
