import type { Side } from '../domain/glossary.ts';
import type { ObjectKind } from '../domain/link.ts';
import { fillEmptySide, newMergeAccumulator, pickWinner, settleConflict, type MergeResult, type MergeSideInput } from './merge.ts';
import type { SyncPolicy } from './policy.ts';
import { valuesEqual } from './values.ts';

export interface FillInput {
  readonly mailboxId: string;
  readonly objectKind: ObjectKind;
  readonly syncId: string;
  /** Keys the base lacks: every key of a pair linked this session, or a pair added to the table since. */
  readonly keys: readonly string[];
  /** Both sides' current values, whether they changed or not. */
  readonly mailbox: MergeSideInput;
  readonly crm: MergeSideInput;
  /** Keys the privacy policy hides on the mailbox item: their hidden value always goes to Salesforce. */
  readonly maskedKeys: ReadonlySet<string>;
  readonly policy: SyncPolicy;
}

/**
 * Merge the keys a base lacks from both sides' current values. This is the rule for a pair linked this session and
 * for a pair added to a table after the link was made (docs/mappings.md states it for admins):
 * - equal values are agreed on with no write;
 * - a value on one side fills an empty field on the other, when the pair flows that way;
 * - when it does not flow that way, nothing is written and the empty value becomes the base, so the side that has
 *   a value keeps it until the pair's source side changes the field;
 * - different values on both sides: a one-way pair's source side wins, a two-way pair follows the conflict policy,
 *   and the decision goes to the conflict ledger with both values.
 * A field the privacy policy hides always sends its hidden value, as it does on every other session.
 */
export function fillMissingKeys(input: FillInput): MergeResult {
  const result = newMergeAccumulator();
  const { nextBase, toCrm } = result;

  for (const key of input.keys) {
    const mailboxValue = input.mailbox.values?.[key] ?? null;
    const crmValue = input.crm.values?.[key] ?? null;
    const fromMailbox = input.mailbox.flowingKeys.has(key);
    const fromCrm = input.crm.flowingKeys.has(key);

    // Equal on both sides, or a pair flowing neither way: agree on the mailbox value.
    if (valuesEqual(mailboxValue, crmValue) || (!fromMailbox && !fromCrm)) {
      nextBase[key] = mailboxValue;
      continue;
    }

    // A hidden field of a private item sends its hidden value.
    if (input.maskedKeys.has(key) && fromMailbox) {
      nextBase[key] = mailboxValue;
      toCrm[key] = mailboxValue;
      continue;
    }

    // One side is empty: fill it from the other when the pair flows that way, else leave both as they are.
    if (mailboxValue === null || crmValue === null) {
      const canFill = crmValue === null ? fromMailbox : fromCrm;
      if (canFill) {
        fillEmptySide(result, key, mailboxValue, crmValue);
      } else {
        nextBase[key] = null;
      }
      continue;
    }

    // Both contain different values: the source of a one-way pair wins, else the conflict policy decides.
    const decision = fromMailbox && fromCrm ? pickWinner(input) : oneWayWinner(fromMailbox ? 'mailbox' : 'crm');
    settleConflict(result, input, { key, baseValue: null, mailboxValue, crmValue }, decision);
  }

  return result;
}

function oneWayWinner(source: Side): { winner: Side; reason: string } {
  const name = source === 'crm' ? 'Salesforce' : 'the mailbox';
  return { winner: source, reason: `oneWay: the pair flows from ${name} only, so its value replaced the other side's on the pair's first merge` };
}
