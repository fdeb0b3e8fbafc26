import { describe, expect, it } from 'vitest';

import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { CrmRecord } from '../src/domain/connector.ts';
import type { Link, MappedValues, ObjectKind } from '../src/domain/link.ts';
import type { MailboxItem } from '../src/domain/mailbox-items.ts';
import {
  defaultContactMapping,
  defaultEventMapping,
  defaultTaskMapping,
  projectCrmRecord,
  projectMailboxItem,
  resolveTable,
  toCrmFields,
  toMailboxPatch,
  type MappingTable,
} from '../src/mapping/index.ts';
import { crmItemView, mailboxItemView } from '../src/sync/item-views.ts';
import type { CrmItemState, MailboxItemState, PlannerInput } from '../src/sync/plan.ts';
import { planSession } from '../src/sync/planner.ts';
import { defaultSyncPolicy, type SyncPolicy } from '../src/sync/policy.ts';
import { contentHash } from '../src/sync/values.ts';
import { event, mailboxContact, mailboxTask } from './support/planner-fixtures.ts';

const task = mailboxTask;

function taskRecord(overrides: Record<string, unknown> = {}): CrmRecord {
  return {
    Id: '00T000000000001AAA',
    Subject: 'Send the proposal',
    Description: 'Pricing for 40 seats',
    Status: 'In Progress',
    Priority: 'High',
    ActivityDate: '2026-12-10',
    IsReminderSet: false,
    ReminderDateTime: null,
    ...overrides,
  };
}

const contact = mailboxContact;

function contactRecord(overrides: Record<string, unknown> = {}): CrmRecord {
  return { Id: '003000000000001AAA', FirstName: 'Ana', LastName: 'Lima', Email: 'ana.lima@fabrikam.example.com', Phone: '+1 555 0100', ...overrides };
}

function mailboxUpsert(id: string, item: MailboxItem, mapping: MappingTable, version = 'v1', policy: SyncPolicy = defaultSyncPolicy): MailboxItemState {
  return { kind: 'upsert', view: mailboxItemView({ id, version, modifiedAt: '2026-12-01T10:00:00Z', syncId: null, item }, mapping, policy) };
}

function crmUpsert(id: string, item: CrmRecord, mapping: MappingTable, version = 'ms-1', modifiedAt = '2026-12-01T09:00:00Z'): CrmItemState {
  return { kind: 'upsert', view: crmItemView({ id, version, modifiedAt, syncId: null, item }, mapping) };
}

function linkWith(kind: ObjectKind, base: MappedValues, overrides: Partial<Link> = {}): Link {
  return {
    mailboxId: 'mbx-1',
    objectKind: kind,
    syncId: 's1',
    mailboxItemId: 'm1',
    crmRecordId: 'c1',
    mailboxVersion: 'v1',
    crmVersion: 'ms-1',
    base,
    baseHash: contentHash(base),
    origin: 'mailbox',
    tombstone: null,
    ...overrides,
  };
}

function input(mapping: MappingTable, overrides: Partial<PlannerInput> = {}): PlannerInput {
  let counter = 0;
  return {
    mailboxId: 'mbx-1',
    objectKind: mapping.kind,
    links: [],
    mailbox: new Map(),
    crm: new Map(),
    intents: [],
    plannedBases: new Map(),
    mapping,
    policy: defaultSyncPolicy,
    window: { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' },
    newSyncId: () => `new-${++counter}`,
    ...overrides,
  };
}

describe('planner on tasks', () => {
  it('creates a new task in Salesforce with its mapped fields', () => {
    const plan = planSession(input(defaultTaskMapping, { mailbox: new Map([['m1', mailboxUpsert('m1', task({ reminderAt: '2026-12-09T08:00:00Z' }), defaultTaskMapping)]]) }));

    expect(plan.actions).toHaveLength(1);
    const write = plan.actions[0]?.crmWrite;
    expect(write?.op).toBe('create');
    expect(toCrmFields(defaultTaskMapping, write?.op === 'create' ? write.values : {})).toEqual({
      Subject: 'Send the proposal',
      Description: 'Pricing for 40 seats',
      Status: 'In Progress',
      Priority: 'High',
      ActivityDate: '2026-12-10',
      ReminderDateTime: '2026-12-09T08:00:00.000Z',
      IsReminderSet: true,
    });
  });

  it('links tasks by subject and due date, never by subject alone', () => {
    const plan = planSession(
      input(defaultTaskMapping, {
        mailbox: new Map([
          ['m1', mailboxUpsert('m1', task(), defaultTaskMapping)],
          ['m2', mailboxUpsert('m2', task({ subject: 'Renew the contract', dueDate: '2026-12-20' }), defaultTaskMapping)],
        ]),
        crm: new Map([
          ['c1', crmUpsert('c1', taskRecord({ Subject: ' send the PROPOSAL' }), defaultTaskMapping)],
          ['c2', crmUpsert('c2', taskRecord({ Id: 'c2', Subject: 'Renew the contract', ActivityDate: '2026-12-21' }), defaultTaskMapping)],
        ]),
      }),
    );

    const linked = plan.actions.filter((action) => action.mailboxItemId !== null && action.crmRecordId !== null);
    expect(linked.map((action) => [action.mailboxItemId, action.crmRecordId])).toEqual([['m1', 'c1']]);
    expect(plan.actions.filter((action) => action.crmWrite?.op === 'create').map((action) => action.mailboxItemId)).toEqual(['m2']);
    expect(plan.actions.filter((action) => action.mailboxWrite?.op === 'create').map((action) => action.crmRecordId)).toEqual(['c2']);
  });

  it('brings a Salesforce status change into the mailbox', () => {
    const base = projectCrmRecord(defaultTaskMapping, taskRecord());
    const plan = planSession(
      input(defaultTaskMapping, {
        links: [linkWith('task', base)],
        mailbox: new Map([['m1', mailboxUpsert('m1', task(), defaultTaskMapping)]]),
        crm: new Map([['c1', crmUpsert('c1', taskRecord({ Status: 'Waiting on someone else' }), defaultTaskMapping, 'ms-2')]]),
      }),
    );

    const values = plan.actions[0]?.mailboxWrite?.op === 'update' ? plan.actions[0].mailboxWrite.values : {};
    expect(values).toEqual({ status: 'Waiting on someone else' });
    expect(toMailboxPatch(defaultTaskMapping, values, { mailboxTimeZone: 'UTC', currentMailboxItem: task() })).toEqual({ status: 'waitingOnOthers' });
    expect(plan.actions[0]?.crmWrite).toBeNull();
  });

  it('sends a private task without its body', () => {
    const plan = planSession(input(defaultTaskMapping, { mailbox: new Map([['m1', mailboxUpsert('m1', task({ isPrivate: true }), defaultTaskMapping)]]) }));

    const write = plan.actions[0]?.crmWrite;
    expect(write?.op === 'create' ? write.values.description : 'missing').toBeNull();
  });

  it('keeps a private task out under the skip policy', () => {
    const skip = { ...defaultSyncPolicy, privateItems: 'skip' as const };
    const plan = planSession(input(defaultTaskMapping, { policy: skip, mailbox: new Map([['m1', mailboxUpsert('m1', task({ isPrivate: true }), defaultTaskMapping, 'v1', skip)]]) }));

    expect(plan.actions).toEqual([]);
  });

  it('creates nothing in the mailbox for a one-way table', () => {
    const oneWay: MappingTable = { ...defaultTaskMapping, direction: 'mailboxToCrm' };
    const plan = planSession(input(oneWay, { crm: new Map([['c1', crmUpsert('c1', taskRecord(), oneWay)]]) }));

    expect(plan.actions).toEqual([]);
  });

  it('leaves a tombstone when Salesforce deletes in a one-way table', () => {
    const oneWay: MappingTable = { ...defaultTaskMapping, direction: 'mailboxToCrm' };
    const base = projectCrmRecord(oneWay, taskRecord());
    const plan = planSession(input(oneWay, { links: [linkWith('task', base, { origin: 'crm' })], crm: new Map([['c1', { kind: 'deleted' }]]) }));

    expect(plan.actions[0]).toMatchObject({ mailboxWrite: null, crmWrite: null, tombstone: 'crm' });
  });
});

describe('planner on contacts', () => {
  it('links by primary email whatever the names', () => {
    const plan = planSession(
      input(defaultContactMapping, {
        mailbox: new Map([['m1', mailboxUpsert('m1', contact({ givenName: 'Ana Paula' }), defaultContactMapping)]]),
        crm: new Map([['c1', crmUpsert('c1', contactRecord({ Email: 'ANA.LIMA@fabrikam.example.com' }), defaultContactMapping)]]),
      }),
    );

    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ mailboxItemId: 'm1', crmRecordId: 'c1' });
    expect(plan.actions[0]?.reason).toContain('same primary email');
  });

  it('links by full name only when one side has no email', () => {
    const plan = planSession(
      input(defaultContactMapping, {
        mailbox: new Map([
          ['m1', mailboxUpsert('m1', contact({ emails: [] }), defaultContactMapping)],
          ['m2', mailboxUpsert('m2', contact({ givenName: 'Ben', surname: 'Ode', emails: ['ben@home.example.com'] }), defaultContactMapping)],
        ]),
        crm: new Map([
          ['c1', crmUpsert('c1', contactRecord(), defaultContactMapping)],
          ['c2', crmUpsert('c2', contactRecord({ Id: 'c2', FirstName: 'Ben', LastName: 'Ode', Email: 'ben@work.example.com' }), defaultContactMapping)],
        ]),
      }),
    );

    const linked = plan.actions.filter((action) => action.mailboxItemId !== null && action.crmRecordId !== null);
    expect(linked.map((action) => [action.mailboxItemId, action.crmRecordId])).toEqual([['m1', 'c1']]);
    expect(linked[0]?.reason).toContain('same full name');
    expect(plan.actions).toHaveLength(3);
  });

  it('gives a contact without a surname a stable last name', () => {
    const nameless = contact({ givenName: 'Sam', surname: null, companyName: null, emails: ['sam@northwind.example.com'] });
    const values = projectMailboxItem(defaultContactMapping, nameless);
    const fields = toCrmFields(defaultContactMapping, values);

    expect(fields.LastName).toBe('sam@northwind.example.com');
    expect(projectCrmRecord(defaultContactMapping, { Id: 'c1', ...fields })).toEqual(values);
    expect(projectMailboxItem(defaultContactMapping, contact({ surname: null, companyName: null, emails: [] })).lastName).toBe('[not provided]');
  });

  it('writes one address line and keeps the rest of the address', () => {
    const current = contact({ businessAddress: { street: '1 Main St', city: 'Porto', state: null, postalCode: '4000', country: 'Portugal' } });
    const patch = toMailboxPatch(defaultContactMapping, { mailingCity: 'Lisbon', phone: null }, { mailboxTimeZone: 'UTC', currentMailboxItem: current });

    expect(patch).toEqual({
      businessAddress: { street: '1 Main St', city: 'Lisbon', state: null, postalCode: '4000', country: 'Portugal' },
      phones: { business: null, mobile: null, home: null, businessFax: null },
    });
  });
});

describe('planner on pairs added to a table', () => {
  const withoutBirthdate = resolveTable('contact', { remove: ['birthdate'] }, 'test').table;
  const base = projectMailboxItem(withoutBirthdate, contact());

  function planAdded(mailboxBirthday: string | null, crmBirthdate: string | null, table: MappingTable = defaultContactMapping) {
    return planSession(
      input(table, {
        links: [linkWith('contact', base)],
        mailbox: new Map([['m1', mailboxUpsert('m1', contact({ birthday: mailboxBirthday }), table)]]),
        crm: new Map([['c1', crmUpsert('c1', contactRecord({ Birthdate: crmBirthdate }), table)]]),
      }),
    );
  }

  it('fills the empty side from the other, with no conflict', () => {
    const [action] = planAdded(null, '1990-07-14').actions;

    expect(action?.mailboxWrite).toEqual({ op: 'update', values: { birthdate: '1990-07-14' } });
    expect(action?.crmWrite).toBeNull();
    expect(action?.conflicts).toEqual([]);
    expect(action?.nextBase?.birthdate).toBe('1990-07-14');
  });

  it('records equal values without writing', () => {
    const [action] = planAdded('1990-07-14', '1990-07-14').actions;

    expect(action?.mailboxWrite).toBeNull();
    expect(action?.crmWrite).toBeNull();
    expect(action?.nextBase?.birthdate).toBe('1990-07-14');
  });

  it('follows the conflict policy when both sides differ', () => {
    const [action] = planAdded('1985-03-02', '1990-07-14').actions;

    expect(action?.crmWrite).toEqual({ op: 'update', values: { birthdate: '1985-03-02' } });
    expect(action?.conflicts).toHaveLength(1);
    expect(action?.conflicts[0]).toMatchObject({ field: 'birthdate', winner: 'mailbox', mailboxValue: '1985-03-02', crmValue: '1990-07-14' });
  });

  it('never clears a value through a one-way pair', () => {
    const oneWay = resolveTable('contact', { pairs: [{ key: 'birthdate', direction: 'mailboxToCrm' }] }, 'test').table;
    const [action] = planAdded(null, '1990-07-14', oneWay).actions;

    expect(action?.crmWrite).toBeNull();
    expect(action?.mailboxWrite).toBeNull();
    expect(action?.nextBase?.birthdate).toBeNull();
  });

  it('drops the keys of a removed pair from the base', () => {
    const plan = planSession(
      input(withoutBirthdate, {
        links: [linkWith('contact', { ...base, birthdate: '1990-07-14' })],
        crm: new Map([['c1', crmUpsert('c1', contactRecord({ Title: 'Buyer' }), withoutBirthdate, 'ms-2')]]),
      }),
    );

    expect(plan.actions[0]?.mailboxWrite).toEqual({ op: 'update', values: { title: 'Buyer' } });
    expect(plan.actions[0]?.nextBase).not.toHaveProperty('birthdate');
  });
});

describe('planner selection of calendar items', () => {
  const meeting = (overrides: Partial<CalendarEvent>) => ({ ...event(), ...overrides });
  const external = { email: 'buyer@fabrikam.example.com', name: 'Buyer', type: 'required' as const, response: 'none' as const };
  const colleague = { email: 'lee@sales.contoso.example.com', name: 'Lee', type: 'required' as const, response: 'none' as const };
  const room = { email: 'room-4@rooms.example.com', name: 'Room 4', type: 'resource' as const, response: 'none' as const };

  function created(selection: SyncPolicy['selection'], items: Record<string, CalendarEvent>): string[] {
    const policy = { ...defaultSyncPolicy, selection };
    const mailbox = new Map(Object.entries(items).map(([id, item]) => [id, mailboxUpsert(id, item, defaultEventMapping, 'v1', policy)]));
    return planSession(input(defaultEventMapping, { policy, mailbox }))
      .actions.filter((action) => action.crmWrite?.op === 'create')
      .map((action) => action.mailboxItemId ?? '');
  }

  const items = {
    plain: meeting({ subject: 'Focus time' }),
    tagged: meeting({ subject: 'Pipeline review', categories: ['salesforce'] }),
    customer: meeting({ subject: 'Pricing call', attendees: [colleague, external] }),
    internal: meeting({ subject: 'Team sync', attendees: [colleague, room] }),
  };

  it('syncs every item by default', () => {
    expect(created({ calendarItems: 'all', category: 'Salesforce', ownDomains: [] }, items)).toEqual(['customer', 'internal', 'plain', 'tagged']);
  });

  it('syncs only items with the category', () => {
    expect(created({ calendarItems: 'salesforceCategory', category: 'Salesforce', ownDomains: [] }, items)).toEqual(['tagged']);
  });

  it('syncs meetings with outsiders, and tagged items whatever their attendees', () => {
    expect(created({ calendarItems: 'externalAttendees', category: 'Salesforce', ownDomains: ['contoso.example.com', 'rooms.example.com'] }, items)).toEqual(['customer', 'tagged']);
  });
});
