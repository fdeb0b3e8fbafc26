import { pairsFlowingFrom, type MappingTable } from '../mapping/index.ts';
import type { MergeSideInput } from './merge.ts';
import type { ItemView } from './plan.ts';

/**
 * The merge input of one side: its values and the keys it may send, given the pair directions. `blockedKeys` are
 * the keys the privacy policy hides on the mailbox item: the mailbox sends their masked values, and Salesforce
 * never writes into them, so a private item's real body, subject or location is never overwritten.
 */
export function sideInput<T>(
  input: { readonly mapping: MappingTable },
  side: 'mailbox' | 'crm',
  view: ItemView<T> | null,
  blockedKeys: ReadonlySet<string> = new Set(),
): MergeSideInput {
  const flowing = pairsFlowingFrom(input.mapping, side)
    .map((pair) => pair.key)
    .filter((key) => !blockedKeys.has(key));
  return { values: view?.values ?? null, modifiedAt: view?.modifiedAt ?? null, flowingKeys: new Set(flowing) };
}
