import { pairsFlowingFrom, type EventMapping } from '../mapping/index.ts';
import type { MergeSideInput } from './merge.ts';
import type { ItemView } from './plan.ts';

/** The merge input of one side: its values and the keys it may send, given directions and privacy masks. */
export function sideInput<T>(input: { readonly mapping: EventMapping }, side: 'mailbox' | 'crm', view: ItemView<T> | null): MergeSideInput {
  const flowing = pairsFlowingFrom(input.mapping, side)
    .map((pair) => pair.key)
    .filter((key) => !view?.maskedKeys.has(key));
  return { values: view?.values ?? null, modifiedAt: view?.modifiedAt ?? null, flowingKeys: new Set(flowing) };
}
