import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { MailboxContact } from '../src/domain/contact.ts';
import type { MailboxTask } from '../src/domain/task.ts';
import { defaultContactMapping, defaultTaskMapping, resolveTable } from '../src/mapping/index.ts';
import { KindsHarness } from './support/kinds-harness.ts';
import { mailboxContact, mailboxTask } from './support/planner-fixtures.ts';

function task(overrides: Partial<MailboxTask> = {}): MailboxTask {
  return mailboxTask({ status: 'notStarted', importance: 'normal', ...overrides });
}

function contact(overrides: Partial<MailboxContact> = {}): MailboxContact {
  return mailboxContact({ jobTitle: 'Buyer', ...overrides });
}

let harness: KindsHarness;

beforeEach(async () => {
  harness = await KindsHarness.start();
});

afterEach(async () => {
  await harness.close();
});

describe('tasks against the Salesforce emulator', () => {
  it('mirrors tasks both ways and leaves saved emails and series out', async () => {
    harness.tasks.add(task({ status: 'inProgress', importance: 'high', reminderAt: '2026-12-09T08:00:00.000Z' }));
    harness.tasks.add(task({ subject: 'Call back Ana', dueDate: null, body: null }));
    await harness.insert('Task', [
      { Subject: 'Prepare the demo', Status: 'Waiting on someone else', Priority: 'Low', ActivityDate: '2026-12-12' },
      { Subject: 'Email: Re: pricing', Status: 'Completed', TaskSubtype: 'Email' },
      { Subject: 'Weekly report (series)', IsRecurrence: true },
    ]);

    const report = await harness.runSession({ kinds: ['task'] });

    expect(report.status, report.notes.join('\n')).toBe('ok');
    expect(report.writes.byObject.Task).toEqual({
      created: 3,
      updated: 0,
      deleted: 0,
      mailbox: { created: 1, updated: 0, deleted: 0 },
      crm: { created: 2, updated: 0, deleted: 0 },
    });
    const proposal = (await harness.records('Task')).find((record) => record.Subject === 'Send the proposal');
    expect(proposal).toMatchObject({ Status: 'In Progress', Priority: 'High', ActivityDate: '2026-12-10', Description: 'Pricing for 40 seats', IsReminderSet: true });
    expect(String(proposal?.ReminderDateTime)).toMatch(/^2026-12-09T08:00:00/);
    const demo = harness.tasks.all().find((entry) => entry.item.subject === 'Prepare the demo');
    expect(demo?.item).toMatchObject({ status: 'waitingOnOthers', importance: 'low', dueDate: '2026-12-12', body: null });
    expect(harness.tasks.all().map((entry) => entry.item.subject).sort()).toEqual(['Call back Ana', 'Prepare the demo', 'Send the proposal']);

    const again = await harness.runSession({ kinds: ['task'] });
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it('links tasks of equal subject and due date on a first sync', async () => {
    harness.tasks.add(task());
    harness.tasks.add(task({ subject: 'Undated follow-up', dueDate: null }));
    await harness.insert('Task', [
      { Subject: 'send the proposal ', Status: 'Not Started', Priority: 'Normal', ActivityDate: '2026-12-10' },
      { Subject: 'Undated follow-up', Status: 'Not Started', Priority: 'Normal' },
    ]);

    const report = await harness.runSession({ kinds: ['task'] });

    expect(report.writes.crm.created).toBe(0);
    expect(report.writes.mailbox.created).toBe(0);
    expect(await harness.records('Task')).toHaveLength(2);
  });

  it('carries edits and deletions of tasks', async () => {
    const mailboxId = harness.tasks.add(task());
    await harness.runSession({ kinds: ['task'] });
    const [record] = await harness.records('Task');

    await harness.edit('Task', record!.Id, { Status: 'Completed' });
    const completed = await harness.runSession({ kinds: ['task'] });
    expect(completed.writes.mailbox.updated).toBe(1);
    expect(harness.tasks.get(mailboxId).status).toBe('completed');

    harness.tasks.edit(mailboxId, { dueDate: '2026-12-15', reminderAt: null });
    await harness.runSession({ kinds: ['task'] });
    const [moved] = await harness.records('Task');
    expect(moved).toMatchObject({ ActivityDate: '2026-12-15', IsReminderSet: false, Status: 'Completed' });

    harness.tasks.remove(mailboxId);
    const deleted = await harness.runSession({ kinds: ['task'] });
    expect(deleted.writes.crm.deleted).toBe(1);
    expect(await harness.records('Task')).toEqual([]);
  });
});

describe('contacts against the Salesforce emulator', () => {
  it('links by primary email and fills the fields one side lacks', async () => {
    const mailboxId = harness.contacts.add(contact({ phones: { business: null, mobile: '+1 555 0199', home: null, businessFax: null } }));
    await harness.insert('Contact', [{ FirstName: 'Ana Paula', LastName: 'Lima', Email: 'ANA.LIMA@fabrikam.example.com', Phone: '+1 555 0100' }]);

    const report = await harness.runSession({ kinds: ['contact'] });

    expect(report.status, report.notes.join('\n')).toBe('ok');
    expect(report.writes.crm.created).toBe(0);
    expect(report.writes.mailbox.created).toBe(0);
    const [record] = await harness.records('Contact');
    expect(record).toMatchObject({ MobilePhone: '+1 555 0199', Phone: '+1 555 0100', Title: 'Buyer' });
    expect(harness.contacts.get(mailboxId).phones).toEqual({ business: '+1 555 0100', mobile: '+1 555 0199', home: null, businessFax: null });
  });

  it('creates a contact without a surname under the company name', async () => {
    harness.contacts.add(contact({ givenName: 'Sam', surname: null, emails: ['sam@northwind.example.com'], companyName: 'Northwind' }));

    const first = await harness.runSession({ kinds: ['contact'] });
    expect(first.writes.crm.created).toBe(1);
    const [record] = await harness.records('Contact');
    expect(record).toMatchObject({ FirstName: 'Sam', LastName: 'Northwind', Email: 'sam@northwind.example.com' });

    const second = await harness.runSession({ kinds: ['contact'] });
    expect(second.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(second.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it('writes one phone from Salesforce and keeps the others', async () => {
    const mailboxId = harness.contacts.add(contact({ phones: { business: '+1 555 0100', mobile: '+1 555 0101', home: '+1 555 0102', businessFax: null } }));
    await harness.runSession({ kinds: ['contact'] });
    const [record] = await harness.records('Contact');

    await harness.edit('Contact', record!.Id, { HomePhone: '+1 555 0177', MailingCity: 'Lisbon' });
    const report = await harness.runSession({ kinds: ['contact'] });

    expect(report.writes.mailbox.updated).toBe(1);
    const updated = harness.contacts.get(mailboxId);
    expect(updated.phones).toEqual({ business: '+1 555 0100', mobile: '+1 555 0101', home: '+1 555 0177', businessFax: null });
    expect(updated.businessAddress).toEqual({ street: null, city: 'Lisbon', state: null, postalCode: null, country: null });
  });
});

describe('sessions over every kind', () => {
  it('counts writes per Salesforce object and skips a kind without a mailbox source', async () => {
    harness.tasks.add(task());
    harness.contacts.add(contact());

    const report = await harness.runSession({ kinds: ['event', 'task', 'contact'], hideMailbox: ['event'] });

    expect(report.status).toBe('ok');
    expect(Object.keys(report.writes.byObject).sort()).toEqual(['Contact', 'Task']);
    expect(report.writes.byObject.Contact?.crm.created).toBe(1);
    expect(report.writes.byObject.Task?.crm.created).toBe(1);
    expect(report.writes.crm.created).toBe(2);
    expect(report.notes).toEqual(['Calendar events: the graph mailbox connector cannot read calendar events yet, so they were not synced']);
  });

  it('keeps the other kinds when one fails', async () => {
    harness.tasks.add(task());
    harness.contacts.add(contact());
    const broken = resolveTable('task', { pairs: [{ key: 'dueDate', crmField: 'Due_Date__c' }] }, 'orgs[0].mappings.task');
    expect(broken.problems).toEqual([]);

    const report = await harness.runSession({ kinds: ['task', 'contact'], tables: { task: broken.table } });

    expect(report.status).toBe('partial');
    expect(report.failure).toBeUndefined();
    expect(report.notes).toHaveLength(1);
    expect(report.notes[0]).toContain('Tasks: suspend: The field mapping does not fit the org\'s Task object: orgs[0].mappings.task, pair "dueDate": the field Task.Due_Date__c does not exist');
    expect(report.writes.byObject.Contact?.crm.created).toBe(1);
    expect(await harness.records('Task')).toEqual([]);

    const fixed = await harness.runSession({ kinds: ['task', 'contact'] });
    expect(fixed.status).toBe('ok');
    expect(fixed.writes.byObject.Task?.crm.created).toBe(1);
    expect(fixed.writes.byObject.Contact?.crm.created).toBe(0);
  });

  it('fails the session when every kind fails', async () => {
    const broken = resolveTable('contact', { pairs: [{ key: 'title', crmField: 'Title', transform: 'date' }] }, 'orgs[0].mappings.contact');
    expect(broken.problems).toEqual(['orgs[0].mappings.contact, pair 8 ("title"): the date transform does not convert the text field jobTitle; use a text or picklist transform']);
    const wrongType = resolveTable('contact', { pairs: [{ key: 'birthdate', crmField: 'Title' }], remove: ['title'] }, 'orgs[0].mappings.contact');
    expect(wrongType.problems).toEqual([]);

    const report = await harness.runSession({ kinds: ['contact'], tables: { contact: wrongType.table } });

    expect(report.status).toBe('failed');
    expect(report.failure?.code).toBe('MAPPING_NOT_IN_ORG');
    expect(report.notes[0]).toContain('Contact.Title is a string field, but the pair\'s transform converts date fields');
  });
});

describe('changed mapping tables', () => {
  it('merges a pair added to the table on the next session without re-import', async () => {
    const withoutBirthdate = resolveTable('contact', { remove: ['birthdate', 'department'] }, 'orgs[0].mappings.contact').table;
    const anaId = harness.contacts.add(contact({ birthday: null, department: 'Purchasing' }));
    const benId = harness.contacts.add(contact({ givenName: 'Ben', surname: 'Ode', emails: ['ben@fabrikam.example.com'], birthday: '1985-03-02', department: 'Sales' }));
    await harness.runSession({ kinds: ['contact'], tables: { contact: withoutBirthdate } });
    const records = await harness.records('Contact');
    const ana = records.find((record) => record.LastName === 'Lima')!;
    const ben = records.find((record) => record.LastName === 'Ode')!;
    expect(ana.Birthdate ?? null).toBeNull();
    expect(ben.Department ?? null).toBeNull();

    // Meanwhile Salesforce gets Ana's birthday and Ben's department, which no pair syncs yet.
    await harness.edit('Contact', ana.Id, { Birthdate: '1990-07-14' });
    await harness.edit('Contact', ben.Id, { Department: 'Field sales' });
    await harness.runSession({ kinds: ['contact'], tables: { contact: withoutBirthdate } });

    const report = await harness.runSession({ kinds: ['contact'], tables: { contact: defaultContactMapping } });

    expect(report.status, report.notes.join('\n')).toBe('ok');
    expect(report.writes.crm.created + report.writes.mailbox.created).toBe(0);
    expect(harness.contacts.get(anaId).birthday).toBe('1990-07-14');
    const after = await harness.records('Contact');
    expect(after.find((record) => record.Id === ana.Id)).toMatchObject({ Birthdate: '1990-07-14', Department: 'Purchasing' });
    expect(after.find((record) => record.Id === ben.Id)).toMatchObject({ Birthdate: '1985-03-02' });
    // Both sides held a department for Ben: the later edit (Salesforce) wins, and the decision is a conflict.
    expect(harness.contacts.get(benId).department).toBe('Field sales');
    expect(report.conflicts).toBe(1);

    const quiet = await harness.runSession({ kinds: ['contact'], tables: { contact: defaultContactMapping } });
    expect(quiet.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(quiet.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it('syncs a one-way task table in its direction only', async () => {
    const oneWay = { ...defaultTaskMapping, direction: 'mailboxToCrm' as const };
    const mailboxId = harness.tasks.add(task());
    await harness.insert('Task', [{ Subject: 'Only in Salesforce', Status: 'Not Started', Priority: 'Normal' }]);

    const first = await harness.runSession({ kinds: ['task'], tables: { task: oneWay } });
    expect(first.writes.crm.created).toBe(1);
    expect(first.writes.mailbox.created).toBe(0);

    const proposal = (await harness.records('Task')).find((record) => record.Subject === 'Send the proposal')!;
    await harness.edit('Task', proposal.Id, { Status: 'Completed' });
    const second = await harness.runSession({ kinds: ['task'], tables: { task: oneWay } });
    expect(second.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(harness.tasks.get(mailboxId).status).toBe('notStarted');
  });
});

describe('calendar items kept as Tasks', () => {
  it('keeps the event copies out of the task kind', async () => {
    const asTasks = resolveTable(
      'event',
      {
        crmObject: 'Task',
        direction: 'mailboxToCrm',
        pairs: [
          { key: 'subject', mailboxField: 'subject', crmField: 'Subject', transform: { type: 'text', maxLength: 255 } },
          { key: 'span', mailboxField: 'span', crmField: 'ActivityDate', transform: 'spanDate' },
          { key: 'description', mailboxField: 'body', crmField: 'Description', transform: { type: 'text', maxLength: 32_000 } },
        ],
      },
      'orgs[0].mappings.event',
    );
    expect(asTasks.problems).toEqual([]);
    harness.events.add({
      subject: 'Site visit',
      span: { kind: 'timed', start: '2026-12-03T23:30:00.000Z', end: '2026-12-04T01:00:00.000Z', timeZone: 'Europe/Berlin' },
      location: null,
      body: 'Bring the contract',
      showAs: 'busy',
      sensitivity: 'normal',
      organizer: null,
      attendees: [],
      recurrence: null,
      isCancelled: false,
      iCalUId: null,
      categories: [],
    });
    harness.tasks.add(task());

    const report = await harness.runSession({ kinds: ['event', 'task'], tables: { event: asTasks.table } });

    expect(report.status, report.notes.join('\n')).toBe('ok');
    expect(report.writes.byObject.Task?.crm.created).toBe(2);
    const visit = (await harness.records('Task')).find((record) => record.Subject === 'Site visit');
    // 23:30 UTC on 3 December is 00:30 on 4 December in Berlin, the event's zone.
    expect(visit).toMatchObject({ ActivityDate: '2026-12-04', Description: 'Bring the contract' });
    expect(String(visit?.Syncline_Sync_Id__c)).toMatch(/^event:/);
    expect(harness.tasks.all()).toHaveLength(1);

    const again = await harness.runSession({ kinds: ['event', 'task'], tables: { event: asTasks.table } });
    expect(again.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(harness.tasks.all()).toHaveLength(1);
  });
});
