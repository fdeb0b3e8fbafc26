import type { Side } from '../domain/glossary.ts';
import type { MappedValue, MappedValues, PlannedBase, PlannedUnsync } from '../domain/link.ts';
import type { PairAction } from './plan.ts';
import { valuesEqual } from './values.ts';

type SideValues = Partial<Record<Side, MappedValues | null | undefined>>;

/**
 * The base to merge against when a crashed session left a plan for this pair. Each side's write lands whole or not
 * at all, so a side whose write landed is recognised by its written fields that hold their planned values where those
 * differ from the earlier base. Fields written to sides whose writes landed take the planned value as base, even
 * when a person has edited a created copy since; fields whose write did not land keep the base the plan was made
 * against; fields the plan did not write had the planned value on both sides already. Without a plan the stored base
 * stands.
 */
export function effectiveBase(stored: MappedValues, plan: PlannedBase | undefined, sides: SideValues): MappedValues {
  if (plan === undefined) {
    return stored;
  }

  // An update counts as landed only when every new value it wrote is there. One matching field is not enough: a person
  // may have typed the planned value into a record the write never reached, and the other edits would then be lost.
  // A create's field that differs counts for nothing, because the copy exists and a person may have edited it since.
  const matched = new Set<Side>();
  const missed = new Set<Side>();
  for (const [key, targets] of Object.entries(plan.targets)) {
    const plannedValue = plan.base[key] ?? null;
    const isNewValue = !(key in plan.fromBase) || !valuesEqual(plan.fromBase[key], plannedValue);
    for (const side of targets) {
      const values = sides[side];
      if (!isNewValue) {
        continue;
      }
      const holdsPlanned = values !== null && values !== undefined && key in values && valuesEqual(values[key], plannedValue);
      if (holdsPlanned) {
        matched.add(side);
      } else if (key in plan.fromBase) {
        missed.add(side);
      }
    }
  }
  const landed = new Set([...matched].filter((side) => !missed.has(side)));

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
  const unsync = unsyncOf(action);
  return { mailboxId, objectKind, syncId: action.syncId, base: action.nextBase, fromBase, targets, ...(unsync === null ? {} : { unsync }) };
}

/** Return the un-sync an action makes, recorded with its plan, so that a crash after the mailbox delete does not turn it into a deletion. */
function unsyncOf(action: PairAction): PlannedUnsync | null {
  if (action.unsyncRule === undefined || action.mailboxWrite?.op !== 'delete' || action.mailboxItemId === null || action.crmRecordId === null) {
    return null;
  }
  return {
    rule: action.unsyncRule,
    mailboxItemId: action.mailboxItemId,
    crmRecordId: action.crmRecordId,
    origin: action.origin,
    deletedValues: action.deletedValues ?? action.mergeBase,
  };
}
