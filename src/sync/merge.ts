import type { Side } from '../domain/glossary.ts';
import type { ConflictDecision, MappedValue, MappedValues, ObjectKind } from '../domain/link.ts';
import type { SyncPolicy } from './policy.ts';
import { valuesEqual } from './values.ts';

export interface MergeSideInput {
  /** Current mapped values, or null when this side reported no change. */
  readonly values: MappedValues | null;
  readonly modifiedAt: string | null;
  /** Keys this side may send to the other (direction of the pair, privacy masks). */
  readonly flowingKeys: ReadonlySet<string>;
}

export interface MergeInput {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly syncId: string;
  readonly keys: readonly string[];
  /** Agreed values; an empty object for a pair linked this session. */
  readonly base: MappedValues;
  readonly mailbox: MergeSideInput;
  readonly crm: MergeSideInput;
  readonly policy: SyncPolicy;
}

export interface MergeResult {
  readonly nextBase: MappedValues;
  /** Values to write into the mailbox item (changed on the CRM side, or won there). */
  readonly toMailbox: MappedValues;
  /** Values to write into the CRM record. */
  readonly toCrm: MappedValues;
  readonly conflicts: readonly ConflictDecision[];
}

/**
 * Three-way merge of one pair, field by field against the base:
 * - a field changed on one side only flows to the other;
 * - a field changed on both sides to the same value needs no write;
 * - a pair linked this session fills a field that is empty on one side from the other;
 * - a field changed on both sides to different values follows the conflict policy, and the decision is recorded.
 */
export function mergePair(input: MergeInput): MergeResult {
  const result = newMergeAccumulator(input.base);
  const { nextBase, toMailbox, toCrm } = result;

  for (const key of input.keys) {
    const baseValue = input.base[key];
    const mailboxValue = changedValue(input.mailbox, key, baseValue);
    const crmValue = changedValue(input.crm, key, baseValue);

    // Neither side changed the field.
    if (mailboxValue === undefined && crmValue === undefined) {
      continue;
    }

    // Only the mailbox changed it: it flows to the CRM.
    if (crmValue === undefined) {
      nextBase[key] = mailboxValue ?? null;
      toCrm[key] = mailboxValue ?? null;
      continue;
    }

    // Only the CRM changed it: it flows to the mailbox.
    if (mailboxValue === undefined) {
      nextBase[key] = crmValue;
      toMailbox[key] = crmValue;
      continue;
    }

    // Both changed it to the same value: nothing to write.
    if (valuesEqual(mailboxValue, crmValue)) {
      nextBase[key] = mailboxValue;
      continue;
    }

    // A pair linked this session has no base: a value on one side fills an empty field on the other, so linking
    // two existing items never wipes what one of them holds.
    if (baseValue === undefined && (mailboxValue === null || crmValue === null)) {
      fillEmptySide(result, key, mailboxValue, crmValue);
      continue;
    }

    // Both changed it differently: the policy picks the winner and the decision goes to the ledger.
    settleConflict(result, input, { key, baseValue: baseValue ?? null, mailboxValue, crmValue }, pickWinner(input));
  }

  return result;
}

/** The results of one pair's merge while it is being built. */
export interface MergeAccumulator {
  readonly nextBase: Record<string, MappedValue>;
  readonly toMailbox: Record<string, MappedValue>;
  readonly toCrm: Record<string, MappedValue>;
  readonly conflicts: ConflictDecision[];
}

/** Create an empty accumulator whose base starts from `base`. */
export function newMergeAccumulator(base: MappedValues = {}): MergeAccumulator {
  return { nextBase: { ...base }, toMailbox: {}, toCrm: {}, conflicts: [] };
}

/**
 * Copy the value of the side that has one into the side whose field is empty, and make it the base. Exactly one of
 * the two values must be null.
 */
export function fillEmptySide(result: MergeAccumulator, key: string, mailboxValue: MappedValue, crmValue: MappedValue): void {
  const filled = mailboxValue ?? crmValue;
  result.nextBase[key] = filled;
  if (mailboxValue === null) {
    result.toMailbox[key] = filled;
  } else {
    result.toCrm[key] = filled;
  }
}

/** Write the winning side's value into the other side, make it the base and record the decision for the conflict ledger. */
export function settleConflict(
  result: MergeAccumulator,
  pair: Pick<MergeInput, 'mailboxId' | 'objectKind' | 'syncId'>,
  field: { readonly key: string; readonly baseValue: MappedValue; readonly mailboxValue: MappedValue; readonly crmValue: MappedValue },
  decision: { readonly winner: Side; readonly reason: string },
): void {
  const { key, mailboxValue, crmValue } = field;
  const winningValue = decision.winner === 'mailbox' ? mailboxValue : crmValue;
  result.nextBase[key] = winningValue;
  if (decision.winner === 'mailbox') {
    result.toCrm[key] = winningValue;
  } else {
    result.toMailbox[key] = winningValue;
  }
  result.conflicts.push({
    mailboxId: pair.mailboxId,
    objectKind: pair.objectKind,
    syncId: pair.syncId,
    field: key,
    baseValue: field.baseValue,
    mailboxValue,
    crmValue,
    winner: decision.winner,
    reason: decision.reason,
  });
}

/** The side's value for `key` when the side changed it relative to the base (and may send it), else undefined. */
function changedValue(side: MergeSideInput, key: string, baseValue: MappedValue | undefined): MappedValue | undefined {
  if (side.values === null || !side.flowingKeys.has(key) || !(key in side.values)) {
    return undefined;
  }

  const value = side.values[key] ?? null;
  if (baseValue !== undefined && valuesEqual(value, baseValue)) {
    return undefined;
  }

  return value;
}

/** Pick the side whose value wins a field both sides changed differently, by the org's conflict policy. */
export function pickWinner(input: Pick<MergeInput, 'policy' | 'mailbox' | 'crm'>): { winner: Side; reason: string } {
  if (input.policy.conflict === 'mailboxWins') {
    return { winner: 'mailbox', reason: 'mailboxWins: the org lets the mailbox win conflicts' };
  }
  if (input.policy.conflict === 'crmWins') {
    return { winner: 'crm', reason: 'crmWins: the org lets Salesforce win conflicts' };
  }

  const mailboxTime = Date.parse(input.mailbox.modifiedAt ?? '');
  const crmTime = Date.parse(input.crm.modifiedAt ?? '');
  // An equal or unknown time goes to the mailbox: it is where the person who owns the item works.
  const winner: Side = Number.isNaN(crmTime) || (!Number.isNaN(mailboxTime) && mailboxTime >= crmTime) ? 'mailbox' : 'crm';
  const reason = `latestWins: mailbox modified ${input.mailbox.modifiedAt ?? 'unknown'}, Salesforce modified ${input.crm.modifiedAt ?? 'unknown'}`;
  return { winner, reason };
}
