import { describe, expect, it } from 'vitest';

import { planSession } from '../src/sync/planner.ts';
import { defaultSyncPolicy } from '../src/sync/policy.ts';
import { applyMassDeleteValve } from '../src/sync/safety-valves.ts';
import { crmUpsert, event, linkFor, mailboxUpsert, plannerInput, record } from './support/planner-fixtures.ts';

describe('planner on linked pairs', () => {
  it('drops an echo of its own write', () => {
    const link = linkFor('s1', 'm1', 'c1');
    const plan = planSession(plannerInput({ links: [link], mailbox: new Map([['m1', mailboxUpsert('m1', event({ subject: 'Edited' }), 'ck-1')]]) }));
    expect(plan.actions).toEqual([]);
  });

  it('remembers a new version with unchanged content', () => {
    const link = linkFor('s1', 'm1', 'c1');
    const plan = planSession(plannerInput({ links: [link], crm: new Map([['c1', crmUpsert('c1', record(), 'ms-2')]]) }));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]?.crmWrite).toBeNull();
    expect(plan.actions[0]?.mailboxWrite).toBeNull();
    expect(plan.actions[0]?.seenVersions.crm).toBe('ms-2');
  });

  it('sends a mailbox edit to Salesforce only', () => {
    const link = linkFor('s1', 'm1', 'c1');
    const plan = planSession(plannerInput({ links: [link], mailbox: new Map([['m1', mailboxUpsert('m1', event({ location: 'Room 9' }), 'ck-2')]]) }));
    expect(plan.actions[0]?.crmWrite).toEqual({ op: 'update', values: { location: 'Room 9' } });
    expect(plan.actions[0]?.mailboxWrite).toBeNull();
  });

  it('merges edits of different fields from both sides', () => {
    const link = linkFor('s1', 'm1', 'c1');
    const plan = planSession(
      plannerInput({
        links: [link],
        mailbox: new Map([['m1', mailboxUpsert('m1', event({ location: 'Room 9' }), 'ck-2')]]),
        crm: new Map([['c1', crmUpsert('c1', record({ Description: 'New agenda' }), 'ms-2')]]),
      }),
    );
    const action = plan.actions[0];
    expect(action?.crmWrite).toEqual({ op: 'update', values: { location: 'Room 9' } });
    expect(action?.mailboxWrite).toEqual({ op: 'update', values: { description: 'New agenda' } });
    expect(action?.conflicts).toEqual([]);
    expect(action?.nextBase?.location).toBe('Room 9');
    expect(action?.nextBase?.description).toBe('New agenda');
  });

  it.each([
    ['latestWins', '2026-12-02T10:00:00Z', '2026-12-02T09:00:00Z', 'mailbox'],
    ['latestWins', '2026-12-02T08:00:00Z', '2026-12-02T09:00:00Z', 'crm'],
    ['mailboxWins', '2026-12-02T08:00:00Z', '2026-12-02T09:00:00Z', 'mailbox'],
    ['crmWins', '2026-12-02T10:00:00Z', '2026-12-02T09:00:00Z', 'crm'],
  ] as const)('resolves a both-sides conflict under %s', (conflict, mailboxTime, crmTime, winner) => {
    const link = linkFor('s1', 'm1', 'c1');
    const plan = planSession(
      plannerInput({
        policy: { ...defaultSyncPolicy, conflict },
        links: [link],
        mailbox: new Map([['m1', mailboxUpsert('m1', event({ subject: 'From Outlook' }), 'ck-2', mailboxTime)]]),
        crm: new Map([['c1', crmUpsert('c1', record({ Subject: 'From Salesforce' }), 'ms-2', crmTime)]]),
      }),
    );
    const action = plan.actions[0];
    const expected = winner === 'mailbox' ? 'From Outlook' : 'From Salesforce';
    expect(action?.nextBase?.subject).toBe(expected);
    expect(action?.conflicts).toHaveLength(1);
    expect(action?.conflicts[0]?.winner).toBe(winner);
    expect(action?.conflicts[0]?.baseValue).toBe('Quarterly review');
    if (winner === 'mailbox') {
      expect(action?.crmWrite).toEqual({ op: 'update', values: { subject: expected } });
      expect(action?.mailboxWrite).toBeNull();
    } else {
      expect(action?.mailboxWrite).toEqual({ op: 'update', values: { subject: expected } });
      expect(action?.crmWrite).toBeNull();
    }
  });

  it('deletes the Salesforce Event of a deleted meeting', () => {
    const plan = planSession(plannerInput({ links: [linkFor('s1', 'm1', 'c1')], mailbox: new Map([['m1', { kind: 'deleted' }]]) }));
    expect(plan.actions[0]?.crmWrite).toEqual({ op: 'delete' });
    expect(plan.actions[0]?.nextBase).toBeNull();
  });

  it('deletes the Salesforce Event of a cancelled meeting', () => {
    const plan = planSession(plannerInput({ links: [linkFor('s1', 'm1', 'c1')], mailbox: new Map([['m1', mailboxUpsert('m1', event({ isCancelled: true }), 'ck-2')]]) }));
    expect(plan.actions[0]?.crmWrite).toEqual({ op: 'delete' });
  });

  it('only unlinks when the org keeps Salesforce Events', () => {
    const plan = planSession(
      plannerInput({
        policy: { ...defaultSyncPolicy, deletions: { ...defaultSyncPolicy.deletions, event: { action: 'keep' } } },
        links: [linkFor('s1', 'm1', 'c1')],
        mailbox: new Map([['m1', { kind: 'deleted' }]]),
      }),
    );
    expect(plan.actions[0]?.crmWrite).toBeNull();
    expect(plan.actions[0]?.tombstone).toBe('mailbox');
    expect(plan.actions[0]?.nextBase).toEqual(linkFor('s1', 'm1', 'c1').base);
  });

  it('never copies a tombstone survivor again', () => {
    const tombstone = linkFor('s1', 'm1', 'c1', { tombstone: 'mailbox' });
    const plan = planSession(
      plannerInput({
        links: [tombstone],
        crm: new Map([['c1', crmUpsert('c1', record({ Subject: 'Edited later' }), 'ms-9')]]),
      }),
    );
    expect(plan.actions).toEqual([]);
  });

  it('forgets a tombstone once its survivor is deleted', () => {
    const tombstone = linkFor('s1', 'm1', 'c1', { tombstone: 'mailbox' });
    const plan = planSession(plannerInput({ links: [tombstone], crm: new Map([['c1', { kind: 'deleted' }]]) }));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]?.nextBase).toBeNull();
    expect(plan.actions[0]?.crmWrite).toBeNull();
    expect(plan.actions[0]?.mailboxWrite).toBeNull();
  });

  it('deletes the mailbox copy the engine created when Salesforce deletes', () => {
    const plan = planSession(plannerInput({ links: [linkFor('s1', 'm1', 'c1', { origin: 'crm' })], crm: new Map([['c1', { kind: 'deleted' }]]) }));
    expect(plan.actions[0]?.mailboxWrite).toEqual({ op: 'delete' });
  });

  it('keeps a mailbox original when Salesforce deletes', () => {
    const plan = planSession(plannerInput({ links: [linkFor('s1', 'm1', 'c1', { origin: 'mailbox' })], crm: new Map([['c1', { kind: 'deleted' }]]) }));
    expect(plan.actions[0]?.mailboxWrite).toBeNull();
    expect(plan.actions[0]?.tombstone).toBe('crm');
  });

  it('never resurrects a deleted meeting edited in Salesforce', () => {
    const plan = planSession(
      plannerInput({
        links: [linkFor('s1', 'm1', 'c1')],
        mailbox: new Map([['m1', { kind: 'deleted' }]]),
        crm: new Map([['c1', crmUpsert('c1', record({ Subject: 'Edited' }), 'ms-2')]]),
      }),
    );
    expect(plan.actions[0]?.crmWrite).toEqual({ op: 'delete' });
    expect(plan.actions[0]?.mailboxWrite).toBeNull();
  });
});

describe('planner on unlinked items', () => {
  it('creates new mailbox events in Salesforce', () => {
    const plan = planSession(plannerInput({ mailbox: new Map([['m1', mailboxUpsert('m1', event())]]) }));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]?.crmWrite?.op).toBe('create');
    expect(plan.actions[0]?.origin).toBe('mailbox');
  });

  it('links pre-existing equal events instead of duplicating them', () => {
    const mailbox = new Map([
      ['m1', mailboxUpsert('m1', event({ subject: 'A' }))],
      ['m2', mailboxUpsert('m2', event({ subject: 'B' }))],
      ['m3', mailboxUpsert('m3', event({ subject: 'C' }))],
    ]);
    const crm = new Map([
      ['c1', crmUpsert('c1', record({ Id: 'c1', Subject: 'a' }))],
      ['c2', crmUpsert('c2', record({ Id: 'c2', Subject: 'B' }))],
      ['c3', crmUpsert('c3', record({ Id: 'c3', Subject: 'C', Description: null }))],
    ]);
    const plan = planSession(plannerInput({ mailbox, crm }));
    expect(plan.actions).toHaveLength(3);
    expect(plan.actions.every((action) => action.crmWrite?.op !== 'create' && action.mailboxWrite?.op !== 'create')).toBe(true);
    expect(plan.actions.map((action) => [action.mailboxItemId, action.crmRecordId])).toEqual([
      ['m1', 'c1'],
      ['m2', 'c2'],
      ['m3', 'c3'],
    ]);
  });

  it('fills an empty field when linking', () => {
    const plan = planSession(
      plannerInput({
        mailbox: new Map([['m1', mailboxUpsert('m1', event({ location: null }), 'ck-1', '2026-12-01T12:00:00Z')]]),
        crm: new Map([['c1', crmUpsert('c1', record({ Description: null }), 'ms-1', '2026-12-01T13:00:00Z')]]),
      }),
    );
    const action = plan.actions[0];
    expect(action?.crmWrite).toEqual({ op: 'update', values: { description: 'Agenda: numbers' } });
    expect(action?.mailboxWrite).toEqual({ op: 'update', values: { location: 'Room 4' } });
    expect(action?.conflicts).toEqual([]);
  });

  it('reuses the intent sync id after a crash', () => {
    const plan = planSession(
      plannerInput({
        intents: [{ mailboxId: 'mbx-1', objectKind: 'event', sourceSide: 'mailbox', sourceId: 'm1', syncId: 'from-intent' }],
        mailbox: new Map([['m1', mailboxUpsert('m1', event())]]),
      }),
    );
    expect(plan.actions[0]?.syncId).toBe('from-intent');
    expect(plan.actions[0]?.crmWrite?.op).toBe('create');
  });

  it('links the copy a crashed session created', () => {
    const plan = planSession(
      plannerInput({
        intents: [{ mailboxId: 'mbx-1', objectKind: 'event', sourceSide: 'crm', sourceId: 'c1', syncId: 'from-intent' }],
        mailbox: new Map([['m9', mailboxUpsert('m9', event({ subject: 'Different text' }), 'ck-1', '2026-12-01T10:00:00Z', 'from-intent')]]),
        crm: new Map([['c1', crmUpsert('c1', record())]]),
      }),
    );
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]?.mailboxItemId).toBe('m9');
    expect(plan.actions[0]?.crmRecordId).toBe('c1');
    expect(plan.actions[0]?.origin).toBe('crm');
  });

  it('creates Salesforce events in the mailbox only inside the window', () => {
    const crm = new Map([
      ['c1', crmUpsert('c1', record({ Id: 'c1' }))],
      ['c2', crmUpsert('c2', record({ Id: 'c2', StartDateTime: '2030-01-01T09:00:00.000+0000', EndDateTime: '2030-01-01T10:00:00.000+0000' }))],
    ]);
    const plan = planSession(plannerInput({ crm }));
    expect(plan.actions.map((action) => action.crmRecordId)).toEqual(['c1']);
    expect(plan.actions[0]?.mailboxWrite?.op).toBe('create');
  });

  it('does not create cancelled meetings', () => {
    const plan = planSession(plannerInput({ mailbox: new Map([['m1', mailboxUpsert('m1', event({ isCancelled: true }))]]) }));
    expect(plan.actions).toEqual([]);
  });
});

describe('planner privacy policy', () => {
  it('sends a private event without its body', () => {
    const plan = planSession(plannerInput({ mailbox: new Map([['m1', mailboxUpsert('m1', event({ sensitivity: 'private', subject: 'Doctor' }))]]) }));
    const write = plan.actions[0]?.crmWrite;
    expect(write?.op).toBe('create');
    expect(write?.op === 'create' ? write.values.description : 'missing').toBeNull();
    expect(write?.op === 'create' ? write.values.isPrivate : 'missing').toBe(true);
    expect(write?.op === 'create' ? write.values.subject : 'missing').toBe('Doctor');
  });

  it('sends a confidential event as busy time only', () => {
    const plan = planSession(plannerInput({ mailbox: new Map([['m1', mailboxUpsert('m1', event({ sensitivity: 'confidential', subject: 'Doctor' }))]]) }));
    const write = plan.actions[0]?.crmWrite;
    expect(write?.op === 'create' ? write.values.subject : 'missing').toBe('Busy');
    expect(write?.op === 'create' ? write.values.location : 'missing').toBeNull();
    expect(write?.op === 'create' ? write.values.description : 'missing').toBeNull();
  });
});

describe('planner privacy on linked pairs', () => {
  it('never writes Salesforce edits into a private body', () => {
    const privateEvent = event({ sensitivity: 'private' });
    const link = linkFor('s1', 'm1', 'c1');
    const plan = planSession(
      plannerInput({
        links: [{ ...link, base: { ...link.base, description: null, isPrivate: true } }],
        mailbox: new Map([['m1', mailboxUpsert('m1', privateEvent, 'ck-1')]]),
        crm: new Map([['c1', crmUpsert('c1', record({ Description: 'Assistant note', IsPrivate: true }), 'ms-2')]]),
      }),
    );
    expect(plan.actions.every((action) => action.mailboxWrite === null)).toBe(true);
  });

  it('clears the body of an event made private', () => {
    const link = linkFor('s1', 'm1', 'c1');
    const plan = planSession(
      plannerInput({
        links: [link],
        mailbox: new Map([['m1', mailboxUpsert('m1', event({ sensitivity: 'private' }), 'ck-2')]]),
      }),
    );
    expect(plan.actions[0]?.crmWrite).toEqual({ op: 'update', values: { description: null, isPrivate: true } });
  });

  it('removes an event made private under the skip policy', () => {
    const policy = { ...defaultSyncPolicy, privateItems: 'skip' as const };
    const plan = planSession(
      plannerInput({
        policy,
        links: [linkFor('s1', 'm1', 'c1')],
        mailbox: new Map([['m1', mailboxUpsert('m1', event({ sensitivity: 'private' }), 'ck-2', '2026-12-01T10:00:00Z', null, policy)]]),
      }),
    );
    expect(plan.actions[0]?.crmWrite).toEqual({ op: 'delete' });
  });
});

describe('mass-delete valve', () => {
  it('holds back deletions of most linked items', () => {
    const links = Array.from({ length: 248 }, (_, index) => linkFor(`s${index}`, `m${index}`, `c${index}`));
    const mailbox = new Map(links.map((link) => [link.mailboxItemId, { kind: 'deleted' as const }]));
    const plan = planSession(plannerInput({ links, mailbox }));
    expect(plan.actions).toHaveLength(248);

    const valve = applyMassDeleteValve(plan.actions, links.length, defaultSyncPolicy);
    expect(valve.actions).toEqual([]);
    expect(valve.heldTargets).toEqual(['crm']);
    expect(valve.notes[0]).toContain('Held back 248 deletions');
  });

  it('holds back emptying a small calendar', () => {
    const links = Array.from({ length: 10 }, (_, index) => linkFor(`s${index}`, `m${index}`, `c${index}`));
    const mailbox = new Map(links.map((link) => [link.mailboxItemId, { kind: 'deleted' as const }]));
    const plan = planSession(plannerInput({ links, mailbox }));
    const valve = applyMassDeleteValve(plan.actions, links.length, defaultSyncPolicy);
    expect(valve.actions).toEqual([]);
    expect(valve.heldTargets).toEqual(['crm']);
  });

  it('lets a few deletions through', () => {
    const links = Array.from({ length: 248 }, (_, index) => linkFor(`s${index}`, `m${index}`, `c${index}`));
    const mailbox = new Map(links.slice(0, 3).map((link) => [link.mailboxItemId, { kind: 'deleted' as const }]));
    const plan = planSession(plannerInput({ links, mailbox }));
    const valve = applyMassDeleteValve(plan.actions, links.length, defaultSyncPolicy);
    expect(valve.actions).toHaveLength(3);
    expect(valve.heldTargets).toEqual([]);
  });
});
