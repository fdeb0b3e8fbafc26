import type { SessionReport } from '../../src/domain/session-report.ts';
import type { ModelSide } from './model-commands.ts';
import { contentKey, type SideEvent } from './model-sides.ts';
import { abbreviate, FIELD_KEYS, fieldValue, type ModelItem } from './model-world.ts';

/** Where an item must end up: on both sides, on neither, or in the mailbox only (its Salesforce copy was deleted). */
type Presence = 'both' | 'none' | 'mailboxOnly';

/**
 * Return the presences the engine's rules allow for an item:
 * - deleted in the mailbox: gone from both sides, because the default policy deletes the Salesforce Event;
 * - deleted in Salesforce: gone from both when it started there, else kept in the mailbox only (tombstone);
 * - never deleted: on both sides.
 * A deleted copy that no link named yet may also come back on both sides (see `ModelItem.deletedUnlinkedCopy`).
 */
function allowedPresence(item: ModelItem): readonly Presence[] {
  let expected: Presence = 'both';
  if (item.deletedOn.has('mailbox')) {
    expected = 'none';
  } else if (item.deletedOn.has('crm')) {
    expected = item.origin === 'crm' ? 'none' : 'mailboxOnly';
  }
  return item.deletedUnlinkedCopy ? [expected, 'both'] : [expected];
}

export interface FinalState {
  readonly items: readonly ModelItem[];
  readonly mailbox: readonly SideEvent[];
  readonly crm: readonly SideEvent[];
}

/** List every broken rule in the final state, one sentence each. The list is empty when the run is sound. */
export function findProblems(state: FinalState): string[] {
  return [
    ...doubledTokens('mailbox', state.mailbox),
    ...doubledTokens('crm', state.crm),
    ...strangers(state),
    ...presenceProblems(state),
    ...divergence(state),
    ...lostEdits(state),
  ];
}

/** Check that the last clean session wrote nothing on either side. */
export function quietProblems(report: SessionReport): string[] {
  const { mailbox, crm } = report.writes;
  const total = mailbox.created + mailbox.updated + mailbox.deleted + crm.created + crm.updated + crm.deleted;
  return total === 0 ? [] : [`the second clean session still wrote: ${JSON.stringify(report.writes)}`];
}

function doubledTokens(side: ModelSide, events: readonly SideEvent[]): string[] {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (event.token !== null) {
      counts.set(event.token, (counts.get(event.token) ?? 0) + 1);
    }
  }
  return [...counts].filter(([, count]) => count > 1).map(([token, count]) => `doubled: ${token} is ${count} times on the ${side} side`);
}

function strangers(state: FinalState): string[] {
  const known = new Set(state.items.map((item) => item.token));
  const problems: string[] = [];
  for (const [side, events] of [['mailbox', state.mailbox], ['crm', state.crm]] as const) {
    for (const event of events) {
      if (event.token === null || !known.has(event.token)) {
        problems.push(`unknown item on the ${side} side: ${JSON.stringify(event.subject)} (${event.id})`);
      }
    }
  }
  return problems;
}

function presenceProblems(state: FinalState): string[] {
  const inMailbox = new Set(state.mailbox.map((event) => event.token));
  const inCrm = new Set(state.crm.map((event) => event.token));
  const problems: string[] = [];
  for (const item of state.items) {
    const actual = { mailbox: inMailbox.has(item.token), crm: inCrm.has(item.token) };
    const allowed = allowedPresence(item);
    if (allowed.some((presence) => matches(presence, actual))) {
      continue;
    }
    const expected = allowed[0] ?? 'both';
    const history = `${item.token} (created on ${item.origin}, deleted on [${[...item.deletedOn].join(', ')}])`;
    for (const side of ['mailbox', 'crm'] as const) {
      const wanted = sidesOf(expected)[side];
      if (wanted && !actual[side]) {
        problems.push(`lost: ${history} is missing on the ${side} side`);
      }
      if (!wanted && actual[side]) {
        problems.push(`not deleted or resurrected: ${history} is still on the ${side} side, expected ${allowed.join(' or ')}`);
      }
    }
  }
  return problems;
}

function sidesOf(presence: Presence): Record<ModelSide, boolean> {
  return { mailbox: presence !== 'none', crm: presence === 'both' };
}

function matches(presence: Presence, actual: Record<ModelSide, boolean>): boolean {
  const wanted = sidesOf(presence);
  return wanted.mailbox === actual.mailbox && wanted.crm === actual.crm;
}

/**
 * Check that both sides contain the same multiset of (subject, span, location, body), apart from the mailbox
 * items that the rules keep in the mailbox only.
 */
function divergence(state: FinalState): string[] {
  const inCrm = new Set(state.crm.map((event) => event.token));
  const keptInMailbox = new Set(state.items.filter((item) => allowedPresence(item).includes('mailboxOnly') && !inCrm.has(item.token)).map((item) => item.token));
  const mailboxKeys = countKeys(state.mailbox.filter((event) => event.token === null || !keptInMailbox.has(event.token)));
  const crmKeys = countKeys(state.crm);
  const problems: string[] = [];
  for (const key of new Set([...mailboxKeys.keys(), ...crmKeys.keys()])) {
    const mailboxCount = mailboxKeys.get(key) ?? 0;
    const crmCount = crmKeys.get(key) ?? 0;
    if (mailboxCount !== crmCount) {
      problems.push(`diverged: ${abbreviate(key)} is ${mailboxCount} times in the mailbox and ${crmCount} times in Salesforce`);
    }
  }
  return problems;
}

/**
 * Check that each field of an item contains a value the model allows: the edit a user made, or one of two
 * conflicting edits. Only items that belong on both sides are checked, and none whose deleted copy the engine
 * may have created again, because the edits to that copy are gone with it.
 */
function lostEdits(state: FinalState): string[] {
  const problems: string[] = [];
  for (const item of state.items) {
    const mailbox = state.mailbox.find((event) => event.token === item.token);
    if (!mailbox || item.deletedUnlinkedCopy || !allowedPresence(item).includes('both')) {
      continue;
    }
    for (const key of FIELD_KEYS) {
      const actual = fieldValue(mailbox, key);
      const allowed = item.fields[key].settled;
      if (!allowed.includes(actual)) {
        problems.push(`lost edit: ${item.token} ${key} is ${abbreviate(actual)}, expected ${allowed.map(abbreviate).join(' or ')}`);
      }
    }
  }
  return problems;
}

function countKeys(events: readonly SideEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    const key = contentKey(event);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
