import { describe, expect, it } from 'vitest';
import { MAILBOX_STATES, type MailboxSchedule, type MailboxState } from '../src/domain/mailbox-state.ts';
import { backoffDelayMs } from '../src/scheduler/backoff.ts';
import {
  MAILBOX_TRANSITIONS,
  isLegalTransition,
  markAsActive,
  markAsDisconnected,
  markAsSuspendedByError,
  markAsSuspendedByUser,
  markAsSyncing,
  newSchedule,
} from '../src/scheduler/mailbox-states.ts';

const MINUTE = 60_000;
const LEGAL: ReadonlyArray<readonly [MailboxState, MailboxState]> = [
  ['active', 'syncing'],
  ['active', 'suspendedByUser'],
  ['active', 'suspendedByError'],
  ['active', 'disconnected'],
  ['syncing', 'active'],
  ['syncing', 'suspendedByError'],
  ['syncing', 'suspendedByUser'],
  ['syncing', 'disconnected'],
  ['suspendedByUser', 'active'],
  ['suspendedByUser', 'disconnected'],
  ['suspendedByError', 'syncing'],
  ['suspendedByError', 'active'],
  ['suspendedByError', 'suspendedByUser'],
  ['suspendedByError', 'disconnected'],
  ['disconnected', 'active'],
];

function inState(state: MailboxState): MailboxSchedule {
  return { ...newSchedule('m1', '2026-05-04T08:00:00.000Z'), state };
}

/** Each markAs function, keyed by the state it leads to. */
const MARK_AS: Readonly<Record<MailboxState, (schedule: MailboxSchedule) => MailboxSchedule>> = {
  active: (schedule) => markAsActive(schedule, '2026-05-04T09:00:00.000Z'),
  syncing: markAsSyncing,
  suspendedByUser: (schedule) => markAsSuspendedByUser(schedule, 'holiday'),
  suspendedByError: (schedule) => markAsSuspendedByError(schedule, 'org locked', '2026-05-04T09:00:00.000Z'),
  disconnected: (schedule) => markAsDisconnected(schedule, 'account removed'),
};

const ALL_PAIRS = MAILBOX_STATES.flatMap((from) => MAILBOX_STATES.map((to) => [from, to] as const));
const isListed = (from: MailboxState, to: MailboxState) => LEGAL.some(([a, b]) => a === from && b === to);

describe('mailbox state transitions', () => {
  it('table matches the listed legal pairs', () => {
    const fromTable = MAILBOX_STATES.flatMap((from) => MAILBOX_TRANSITIONS[from].map((to) => [from, to] as const));
    expect(new Set(fromTable.map((pair) => pair.join('>')))).toEqual(new Set(LEGAL.map((pair) => pair.join('>'))));
  });

  it.each(ALL_PAIRS.filter(([from, to]) => isListed(from, to)))('%s to %s is allowed', (from, to) => {
    expect(isLegalTransition(from, to)).toBe(true);
    expect(MARK_AS[to](inState(from)).state).toBe(to);
  });

  it.each(ALL_PAIRS.filter(([from, to]) => !isListed(from, to)))('%s to %s is rejected', (from, to) => {
    expect(isLegalTransition(from, to)).toBe(false);
    expect(() => MARK_AS[to](inState(from))).toThrow(new RegExp(`cannot go from '${from}' to '${to}'`));
  });

  it('suspension by error keeps its reason and resume time', () => {
    const suspended = markAsSuspendedByError(inState('syncing'), 'Salesforce refused the refresh token', '2026-05-04T08:05:00.000Z');
    expect(suspended).toMatchObject({ state: 'suspendedByError', reason: 'Salesforce refused the refresh token', resumeAt: '2026-05-04T08:05:00.000Z', nextSessionAt: null });
  });

  it('active clears the suspension', () => {
    const suspended = markAsSuspendedByUser(inState('active'), 'holiday');
    expect(markAsActive(suspended, '2026-05-04T10:00:00.000Z')).toMatchObject({ state: 'active', reason: null, resumeAt: null, nextSessionAt: '2026-05-04T10:00:00.000Z' });
  });
});

describe('backoff', () => {
  const middle = () => 0.5;

  it('grows by steps', () => {
    expect([1, 2, 3, 4].map((count) => backoffDelayMs(count, middle))).toEqual([5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 240 * MINUTE]);
  });

  it('is capped at 24 hours', () => {
    expect(backoffDelayMs(6, middle)).toBe(24 * 60 * MINUTE);
    expect(backoffDelayMs(50, () => 0.9999)).toBe(24 * 60 * MINUTE);
  });

  it('is jittered by a tenth', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(4.5 * MINUTE);
    expect(backoffDelayMs(1, () => 1)).toBe(5.5 * MINUTE);
  });

  it('rejects a count below one', () => {
    expect(() => backoffDelayMs(0)).toThrow(/failureCount must be a whole number of 1 or more, got 0/);
  });
});
