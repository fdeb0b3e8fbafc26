import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.ts';
import type { PairAction } from '../src/sync/plan.ts';
import { planSession } from '../src/sync/planner.ts';
import { defaultSyncPolicy, type SyncPolicy } from '../src/sync/policy.ts';
import { applyMassDeleteValve } from '../src/sync/safety-valves.ts';
import { isOrganizedMeeting, unsyncRuleForEvent, unsyncRuleForValues, unsyncScopeOf, type UnsyncRule } from '../src/sync/unsync-rules.ts';
import { unwrapCursor, wrapCursor } from '../src/sync/window-cursor.ts';
import { crmUpsert, event, linkFor, mailboxUpsert, plannerInput, record } from './support/planner-fixtures.ts';

const NOW = new Date('2026-12-20T12:00:00Z');
const OWNER = 'dana@acme.example.com';

function policyWith(rules: UnsyncRule[]): SyncPolicy {
  return { ...defaultSyncPolicy, unsync: rules };
}

describe('un-sync rule matching', () => {
  const rules: UnsyncRule[] = [
    { name: 'lunch', subjectContains: 'LUNCH' },
    { name: 'one-on-one', subjectMatches: '^1:1\\b' },
    { name: 'old-personal', category: 'personal', olderThanDays: 7 },
  ];

  it('matches subject text without regard to case', () => {
    expect(unsyncRuleForEvent(rules, event({ subject: 'Team lunch' }), NOW)?.name).toBe('lunch');
    expect(unsyncRuleForEvent(rules, event({ subject: 'Quarterly review' }), NOW)).toBeNull();
  });

  it('matches a subject regular expression', () => {
    expect(unsyncRuleForEvent(rules, event({ subject: '1:1 with Sam' }), NOW)?.name).toBe('one-on-one');
    expect(unsyncRuleForEvent(rules, event({ subject: 'Prep for 1:1' }), NOW)).toBeNull();
  });

  it('matches nested quantifiers linearly', () => {
    // A backtracking engine needs about 2^n steps here: seconds at 25 characters, days at 40.
    const hostile: UnsyncRule[] = [{ name: 'nested', subjectMatches: '^(a+)+$' }];
    const started = performance.now();
    expect(unsyncRuleForEvent(hostile, event({ subject: `${'a'.repeat(25)}!` }), NOW)).toBeNull();
    expect(performance.now() - started).toBeLessThan(500);
    expect(unsyncRuleForValues(hostile, { subject: `${'a'.repeat(5000)}!` }, NOW)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(unsyncRuleForEvent(hostile, event({ subject: 'AAAA' }), NOW)?.name).toBe('nested');
  });

  it('needs every condition of a rule: category and age together', () => {
    const old = { kind: 'timed' as const, start: '2026-12-01T09:00:00.000Z', end: '2026-12-01T10:00:00.000Z', timeZone: 'UTC' };
    const recent = { kind: 'timed' as const, start: '2026-12-18T09:00:00.000Z', end: '2026-12-18T10:00:00.000Z', timeZone: 'UTC' };
    expect(unsyncRuleForEvent(rules, event({ span: old, categories: ['Personal'] }), NOW)?.name).toBe('old-personal');
    expect(unsyncRuleForEvent(rules, event({ span: recent, categories: ['Personal'] }), NOW)).toBeNull();
    expect(unsyncRuleForEvent(rules, event({ span: old, categories: ['Work'] }), NOW)).toBeNull();
  });

  it('measures the age of an all-day event from its exclusive end date', () => {
    const rule: UnsyncRule[] = [{ name: 'old', olderThanDays: 2 }];
    const endsDec18 = event({ span: { kind: 'allDay', startDate: '2026-12-17', endDate: '2026-12-18' } });
    const endsDec19 = event({ span: { kind: 'allDay', startDate: '2026-12-18', endDate: '2026-12-19' } });
    expect(unsyncRuleForEvent(rule, endsDec18, NOW)?.name).toBe('old');
    expect(unsyncRuleForEvent(rule, endsDec19, NOW)).toBeNull();
  });

  it('tests Salesforce Events by subject and age, and never by category', () => {
    const values = { subject: 'Lunch with Ana', span: { allDay: false, start: '2026-12-01T09:00:00.000Z', end: '2026-12-01T10:00:00.000Z' } };
    expect(unsyncRuleForValues(rules, values, NOW)?.name).toBe('lunch');
    expect(unsyncRuleForValues([{ name: 'personal', category: 'Personal' }], values, NOW)).toBeNull();
    expect(unsyncRuleForValues([{ name: 'old', olderThanDays: 7 }], values, NOW)?.name).toBe('old');
  });

  it('tells a meeting the mailbox organizes from an invitation it received', () => {
    const attendee = { email: 'ana@fabrikam.example.com', name: 'Ana', type: 'required' as const, response: 'accepted' as const };
    const own = { email: OWNER, name: 'Dana', type: 'required' as const, response: 'accepted' as const };
    expect(isOrganizedMeeting(event({ organizer: { email: 'Dana@Acme.example.com', name: 'Dana' }, attendees: [attendee] }), OWNER)).toBe(true);
    expect(isOrganizedMeeting(event({ organizer: { email: 'ana@fabrikam.example.com', name: 'Ana' }, attendees: [own, attendee] }), OWNER)).toBe(false);
    expect(isOrganizedMeeting(event({ organizer: { email: OWNER, name: 'Dana' }, attendees: [own] }), OWNER)).toBe(false);
    // Unknown organizer with other people invited: treated as the organizer's copy, the safe reading.
    expect(isOrganizedMeeting(event({ organizer: null, attendees: [attendee] }), OWNER)).toBe(true);
  });

  it('fingerprints the rules, adding the day only for age rules', () => {
    expect(unsyncScopeOf([], NOW)).toBe('');
    const subjectOnly = unsyncScopeOf([{ name: 'lunch', subjectContains: 'lunch' }], NOW);
    expect(unsyncScopeOf([{ name: 'lunch', subjectContains: 'lunch' }], new Date('2026-12-21T12:00:00Z'))).toBe(subjectOnly);
    expect(unsyncScopeOf([{ name: 'lunch', subjectContains: 'dinner' }], NOW)).not.toBe(subjectOnly);
    const aged = [{ name: 'old', olderThanDays: 3 }];
    expect(unsyncScopeOf(aged, new Date('2026-12-21T12:00:00Z'))).not.toBe(unsyncScopeOf(aged, NOW));
  });

  it('reads in full after a rule change', () => {
    const window = { start: '2026-11-01T00:00:00.000Z', end: '2027-05-01T00:00:00.000Z' };
    const before = wrapCursor('delta-1', window);
    expect(unwrapCursor(before, window)).toEqual({ cursor: 'delta-1', reason: null });
    expect(unwrapCursor(before, window, 'abc')).toEqual({ cursor: null, reason: 'unsyncRulesChanged' });
    expect(unwrapCursor(wrapCursor('delta-2', window, 'abc'), window, 'abc')).toEqual({ cursor: 'delta-2', reason: null });
  });
});

describe('un-sync rules in the planner', () => {
  const rules: UnsyncRule[] = [{ name: 'reviews', subjectContains: 'review' }];

  it('removes a linked event from the mailbox only and leaves a tombstone', () => {
    const plan = planSession(
      plannerInput({
        links: [linkFor('s1', 'm1', 'c1')],
        mailbox: new Map([['m1', mailboxUpsert('m1', event(), 'ck-2')]]),
        policy: policyWith(rules),
        now: NOW,
        mailboxAddress: OWNER,
      }),
    );
    expect(plan.actions).toHaveLength(1);
    const action = plan.actions[0]!;
    expect(action.mailboxWrite).toEqual({ op: 'delete' });
    expect(action.crmWrite).toBeNull();
    expect(action.tombstone).toBe('mailbox');
    expect(action.nextBase).not.toBeNull();
    expect(action.unsyncRule).toBe('reviews');
    expect(action.mailboxItem).toBeNull();
  });

  it('wins over a concurrent Salesforce edit', () => {
    const plan = planSession(
      plannerInput({
        links: [linkFor('s1', 'm1', 'c1')],
        mailbox: new Map([['m1', mailboxUpsert('m1', event(), 'ck-2')]]),
        crm: new Map([['c1', crmUpsert('c1', record({ Location: 'Room 9' }), 'ms-2')]]),
        policy: policyWith(rules),
        now: NOW,
      }),
    );
    expect(plan.actions.map((action) => [action.mailboxWrite?.op ?? null, action.crmWrite?.op ?? null])).toEqual([['delete', null]]);
  });

  it('leaves the tombstoned pair alone afterwards, whatever Salesforce does short of deleting', () => {
    const tombstone = linkFor('s1', 'm1', 'c1', { tombstone: 'mailbox' });
    const edited = planSession(
      plannerInput({ links: [tombstone], crm: new Map([['c1', crmUpsert('c1', record({ Subject: 'Quarterly review, moved' }), 'ms-3')]]), policy: policyWith(rules), now: NOW }),
    );
    expect(edited.actions).toEqual([]);
    const deleted = planSession(plannerInput({ links: [tombstone], crm: new Map([['c1', { kind: 'deleted' }]]), policy: policyWith(rules), now: NOW }));
    expect(deleted.actions.map((action) => [action.mailboxWrite, action.crmWrite, action.nextBase])).toEqual([[null, null, null]]);
  });

  it('keeps a meeting the mailbox organizes in place and says why', () => {
    const meeting = event({ organizer: { email: OWNER, name: 'Dana' }, attendees: [{ email: 'ana@fabrikam.example.com', name: 'Ana', type: 'required', response: 'accepted' }] });
    const plan = planSession(
      plannerInput({
        links: [linkFor('s1', 'm1', 'c1')],
        mailbox: new Map([['m1', mailboxUpsert('m1', meeting, 'ck-2')]]),
        policy: policyWith(rules),
        now: NOW,
        mailboxAddress: OWNER,
      }),
    );
    expect(plan.actions.some((action) => action.mailboxWrite?.op === 'delete')).toBe(false);
    expect(plan.notes.join('\n')).toContain("Un-sync rule 'reviews' matches 1 meetings this mailbox organizes");
  });

  it('does not bring an unlinked mailbox event into sync', () => {
    const plan = planSession(plannerInput({ mailbox: new Map([['m1', mailboxUpsert('m1', event())]]), policy: policyWith(rules), now: NOW }));
    expect(plan.actions).toEqual([]);
    expect(plan.notes).toEqual(['Un-sync rules kept 1 mailbox events out of Salesforce and 0 Salesforce Events out of the mailbox']);
  });

  it('does not create a matching Salesforce Event in the mailbox, and still creates the others', () => {
    const crm = new Map([
      ['c1', crmUpsert('c1', record())],
      ['c2', crmUpsert('c2', record({ Id: '00U000000000002AAA', Subject: 'Pipeline call' }))],
    ]);
    const plan = planSession(plannerInput({ crm, policy: policyWith(rules), now: NOW }));
    expect(plan.actions.map((action) => [action.crmRecordId, action.mailboxWrite?.op])).toEqual([['c2', 'create']]);
  });

  it('un-syncs a mailbox event that a first sync pairs with its Salesforce twin', () => {
    const plan = planSession(
      plannerInput({
        mailbox: new Map([['m1', mailboxUpsert('m1', event())]]),
        crm: new Map([['c1', crmUpsert('c1', record())]]),
        policy: policyWith(rules),
        now: NOW,
      }),
    );
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ mailboxItemId: 'm1', crmRecordId: 'c1', mailboxWrite: { op: 'delete' }, crmWrite: null, tombstone: 'mailbox', unsyncRule: 'reviews' });
  });

  it('changes nothing without rules', () => {
    const plan = planSession(plannerInput({ links: [linkFor('s1', 'm1', 'c1')], mailbox: new Map([['m1', mailboxUpsert('m1', event({ location: 'Room 9' }), 'ck-2')]]), now: NOW }));
    expect(plan.actions.map((action) => action.crmWrite?.op)).toEqual(['update']);
    expect(plan.notes).toEqual([]);
  });

  it('applies only to calendar events', () => {
    const plan = planSession(plannerInput({ objectKind: 'task', policy: policyWith([{ name: 'all', olderThanDays: 0 }]), now: NOW }));
    expect(plan.actions).toEqual([]);
  });
});

describe('un-sync removals and the mass-delete breaker', () => {
  function unsyncActions(count: number): PairAction[] {
    const links = Array.from({ length: count }, (_, index) => linkFor(`s${index}`, `m${index}`, `c${index}`));
    const mailbox = new Map(links.map((link) => [link.mailboxItemId, mailboxUpsert(link.mailboxItemId, event(), 'ck-2')]));
    return [...planSession(plannerInput({ links, mailbox, policy: policyWith([{ name: 'reviews', subjectContains: 'review' }]), now: NOW })).actions];
  }

  it('holds back a rule that would empty a calendar, and names the rule as the cause', () => {
    const actions = unsyncActions(40);
    const valve = applyMassDeleteValve(actions, 40, defaultSyncPolicy, new Set(), OWNER);
    expect(valve.heldTargets).toEqual(['mailbox']);
    expect(valve.held).toHaveLength(40);
    expect(valve.notes[0]).toContain('Held back 40 deletions in the mailbox (40 of them by un-sync rules)');
  });

  it('lets a few removals through, and confirmed ones always', () => {
    const few = unsyncActions(3);
    expect(applyMassDeleteValve(few, 100, defaultSyncPolicy).actions).toHaveLength(3);
    const many = unsyncActions(40);
    const confirmed = new Set(many.map((action) => action.syncId));
    expect(applyMassDeleteValve(many, 40, defaultSyncPolicy, confirmed).heldTargets).toEqual([]);
  });
});

describe('un-sync configuration', () => {
  const base = {
    orgs: [
      {
        id: 'acme',
        name: 'Acme Corp',
        salesforce: { auth: { kind: 'refreshToken', clientId: 'consumer-key', clientSecret: 'consumer-secret', refreshToken: 'refresh-1' } },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
        mailboxes: [{ address: OWNER, timeZone: 'Europe/Berlin' }],
      },
    ],
  };
  const options = { source: 'test.json', env: {}, baseDir: '/srv/syncline' };

  function withRules(unsync: unknown): unknown {
    return { orgs: [{ ...base.orgs[0], unsync }] };
  }

  function problemsOf(raw: unknown): readonly string[] {
    try {
      parseConfig(raw, options);
    } catch (error) {
      if (error instanceof ConfigError) {
        return error.problems;
      }
      throw error;
    }
    throw new Error('expected the configuration to be rejected');
  }

  it('puts the rules into the org policy', () => {
    const rules = [{ name: 'old', olderThanDays: 90 }, { name: 'lunch', subjectContains: 'lunch', category: 'Personal' }];
    const config = parseConfig(withRules(rules), options);
    expect(config.orgs[0]!.policy.unsync).toEqual(rules);
  });

  it('leaves the policy without rules when the list is absent', () => {
    expect(parseConfig(base, options).orgs[0]!.policy.unsync).toBeUndefined();
  });

  it('names a rule whose regular expression does not compile', () => {
    const problems = problemsOf(withRules([{ name: 'broken', subjectMatches: '(unclosed' }]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^orgs\[0\]\.unsync\[0\]\.subjectMatches: rule 'broken': '\(unclosed' is not a valid regular expression \(missing closing \): `\(unclosed`\); correct it \(RE2 syntax\), or use subjectContains/);
  });

  it.each([
    ['(plain)\\1', 'a backreference (\\1)'],
    ['(?<word>x)\\k<word>', 'a backreference (\\k<…>)'],
    ['^(?!canceled)', 'lookaround ((?!…)'],
    ['(?<=re: )lunch', 'lookaround ((?<=…)'],
  ])('rejects %s: no linear-time match', (pattern, feature) => {
    const problems = problemsOf(withRules([{ name: 'clever', subjectMatches: pattern }]));
    expect(problems).toEqual([
      `orgs[0].unsync[0].subjectMatches: rule 'clever': '${pattern}' uses ${feature}, which subject patterns do not support: they are matched in linear time (RE2 syntax), so that no subject can stall a session; rewrite the pattern without it, or use subjectContains for plain text`,
    ]);
  });

  it('accepts documented patterns', () => {
    const rules = [
      { name: 'private-appointments', subjectMatches: '^(dentist|doctor)\\b' },
      { name: 'marked-private', subjectMatches: '\\(private\\)$' },
    ];
    const config = parseConfig(withRules(rules), options);
    const parsed = config.orgs[0]!.policy.unsync ?? [];
    expect(unsyncRuleForEvent(parsed, event({ subject: 'Dentist at 3' }), NOW)?.name).toBe('private-appointments');
    expect(unsyncRuleForEvent(parsed, event({ subject: 'Dentistry conference' }), NOW)).toBeNull();
    expect(unsyncRuleForEvent(parsed, event({ subject: 'Haircut (PRIVATE)' }), NOW)?.name).toBe('marked-private');
  });

  it('rejects a rule without a condition, naming the conditions to give', () => {
    const problems = problemsOf(withRules([{ name: 'everything' }]));
    expect(problems).toEqual([
      "orgs[0].unsync[0]: rule 'everything' has no condition, so it would remove every event from the mailboxes: give subjectContains, subjectMatches, category or olderThanDays",
    ]);
  });

  it('rejects duplicate names, unknown keys and bad ages', () => {
    const problems = problemsOf(withRules([{ name: 'a', olderThanDays: 1 }, { name: 'A', olderThanDays: -2, subject: 'x' }]));
    expect(problems).toContain("orgs[0].unsync[1].name: duplicate rule name 'A'; give each rule its own name");
    expect(problems).toContain('orgs[0].unsync[1].subject: unknown key; remove it or correct its spelling');
    expect(problems).toContain('orgs[0].unsync[1].olderThanDays: expected 0 or more days, got -2');
  });
});
