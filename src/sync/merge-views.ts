import type { MappedValues } from '../domain/link.ts';
import { activePairs } from '../mapping/index.ts';
import { fillMissingKeys } from './fill-missing.ts';
import { mergePair, type MergeResult } from './merge.ts';
import type { ItemView, PlannerInput } from './plan.ts';
import { sideInput } from './side-input.ts';

export interface SideViews<T> {
  /** The item as read this session, changed or not: a mailbox item's privacy masks hold either way. */
  readonly view: ItemView<T> | null;
  /** True when the side changed since the base: only then do its values count against the base. */
  readonly changed: boolean;
}

/**
 * Merge one pair. Keys in the base go through the three-way merge, where only changed sides count. Keys the base lacks
 * go through the fill rule, from both sides' current values; the fill needs both items, so without one those keys
 * wait for a session that has both.
 */
export function mergeViews<M, C>(input: PlannerInput, syncId: string, base: MappedValues, mailbox: SideViews<M>, crm: SideViews<C>): MergeResult {
  const keys = activePairs(input.mapping).map((pair) => pair.key);
  const masked = mailbox.view?.maskedKeys ?? new Set<string>();
  const common = { mailboxId: input.mailboxId, objectKind: input.objectKind, syncId, policy: input.policy };

  const merged = mergePair({
    ...common,
    keys: keys.filter((key) => key in base),
    base,
    mailbox: sideInput(input, 'mailbox', mailbox.changed ? mailbox.view : null),
    crm: sideInput(input, 'crm', crm.changed ? crm.view : null, masked),
  });

  const missing = keys.filter((key) => !(key in base));
  if (missing.length === 0 || mailbox.view === null || crm.view === null) {
    return merged;
  }

  const filled = fillMissingKeys({
    ...common,
    keys: missing,
    mailbox: sideInput(input, 'mailbox', mailbox.view),
    crm: sideInput(input, 'crm', crm.view, masked),
    maskedKeys: masked,
  });
  return {
    nextBase: { ...merged.nextBase, ...filled.nextBase },
    toMailbox: { ...merged.toMailbox, ...filled.toMailbox },
    toCrm: { ...merged.toCrm, ...filled.toCrm },
    conflicts: [...merged.conflicts, ...filled.conflicts],
  };
}

/** Return the keys of the table's active pairs that the base lacks. */
export function missingKeys(input: Pick<PlannerInput, 'mapping'>, base: MappedValues): string[] {
  return activePairs(input.mapping)
    .map((pair) => pair.key)
    .filter((key) => !(key in base));
}

/** Drop the keys of pairs that are no longer active from a base, so a removed pair leaves no stale value behind. */
export function activeBase(input: Pick<PlannerInput, 'mapping'>, base: MappedValues): MappedValues {
  const keys = new Set(activePairs(input.mapping).map((pair) => pair.key));
  if (Object.keys(base).every((key) => keys.has(key))) {
    return base;
  }
  return Object.fromEntries(Object.entries(base).filter(([key]) => keys.has(key)));
}
