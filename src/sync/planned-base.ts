import type { Side } from '../domain/glossary.ts';
import type { MappedValue, MappedValues, PlannedBase } from '../domain/link.ts';
import type { PairAction } from './plan.ts';
import { valuesEqual } from './values.ts';

type SideValues = Partial<Record<Side, MappedValues | null | undefined>>;

/**
 * The base to merge against when a crashed session left a plan for this pair. Each side's write lands whole or not
 * at all, so a side whose write landed is recognised by any written field that holds its planned value where that
 * differs from the earlier base. Fields written to sides whose writes landed take the planned value as base, even
 * when a person has edited them since; fields whose write did not land keep the base the plan was made against;
 * fields the plan did not write had the planned value on both sides already. Without a plan the stored base stands.
 */
export function effectiveBase(stored: MappedValues, plan: PlannedBase | undefined, sides: SideValues): MappedValues {
  if (plan === undefined) {
    return stored;
  }

  const landed = new Set<Side>();
  for (const [key, targets] of Object.entries(plan.targets)) {
    const plannedValue = plan.base[key] ?? null;
    const isNewValue = !(key in plan.fromBase) || !valuesEqual(plan.fromBase[key], plannedValue);
    for (const side of targets) {
      const values = sides[side];
      if (isNewValue && values !== null && values !== undefined && key in values && valuesEqual(values[key], plannedValue)) {
        landed.add(side);
      }
    }
  }

  const base: Record<string, MappedValue> = {};
  for (const [key, plannedValue] of Object.entries(plan.base)) {
    const targets = plan.targets[key] ?? [];
    if (targets.every((side) => landed.has(side))) {
      base[key] = plannedValue;
      continue;
    }
    if (key in plan.fromBase) {
      base[key] = plan.fromBase[key] ?? null;
    }
  }
  return base;
}

/** The plan of one action, recorded before its writes. */
export function planOf(action: PairAction, fromBase: MappedValues, mailboxId: string, objectKind: PlannedBase['objectKind']): PlannedBase | null {
  if (action.nextBase === null || (action.crmWrite === null && action.mailboxWrite === null)) {
    return null;
  }

  const targets: Record<string, Side[]> = {};
  for (const [side, write] of [['mailbox', action.mailboxWrite], ['crm', action.crmWrite]] as const) {
    if (write === null || write.op === 'delete') {
      continue;
    }
    for (const key of Object.keys(write.values)) {
      targets[key] = [...(targets[key] ?? []), side];
    }
  }
  return { mailboxId, objectKind, syncId: action.syncId, base: action.nextBase, fromBase, targets };
}
