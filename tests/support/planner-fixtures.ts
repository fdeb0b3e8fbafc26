import type { CalendarEvent } from '../../src/domain/calendar-event.ts';
import type { CrmRecord } from '../../src/domain/connector.ts';
import type { MailboxContact } from '../../src/domain/contact.ts';
import type { Link } from '../../src/domain/link.ts';
import type { MailboxTask } from '../../src/domain/task.ts';
import { defaultEventMapping } from '../../src/mapping/index.ts';
import { crmItemView, mailboxItemView } from '../../src/sync/item-views.ts';
import type { CrmItemState, MailboxItemState, PlannerInput } from '../../src/sync/plan.ts';
import { defaultSyncPolicy, type SyncPolicy } from '../../src/sync/policy.ts';
import { contentHash } from '../../src/sync/values.ts';

export function event(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    subject: 'Quarterly review',
    span: { kind: 'timed', start: '2026-12-10T09:00:00.000Z', end: '2026-12-10T10:00:00.000Z', timeZone: 'Europe/Berlin' },
    location: 'Room 4',
    body: 'Agenda: numbers',
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: null,
    attendees: [],
    recurrence: null,
    isCancelled: false,
    iCalUId: null,
    categories: [],
    ...overrides,
  };
}

/** A mailbox task due 2026-12-10, in progress and of high importance. */
export function mailboxTask(overrides: Partial<MailboxTask> = {}): MailboxTask {
  return {
    subject: 'Send the proposal',
    body: 'Pricing for 40 seats',
    status: 'inProgress',
    importance: 'high',
    dueDate: '2026-12-10',
    startDate: null,
    completedAt: null,
    reminderAt: null,
    isPrivate: false,
    categories: [],
    ...overrides,
  };
}

/** A mailbox contact with one email address and a business phone. */
export function mailboxContact(overrides: Partial<MailboxContact> = {}): MailboxContact {
  return {
    givenName: 'Ana',
    surname: 'Lima',
    salutation: null,
    emails: ['ana.lima@fabrikam.example.com'],
    phones: { business: '+1 555 0100', mobile: null, home: null, businessFax: null },
    companyName: 'Fabrikam',
    jobTitle: null,
    department: null,
    businessAddress: null,
    homeAddress: null,
    notes: null,
    birthday: null,
    categories: [],
    ...overrides,
  };
}

export function record(overrides: Record<string, unknown> = {}): CrmRecord {
  return {
    Id: '00U000000000001AAA',
    Subject: 'Quarterly review',
    IsAllDayEvent: false,
    StartDateTime: '2026-12-10T09:00:00.000+0000',
    EndDateTime: '2026-12-10T10:00:00.000+0000',
    Location: 'Room 4',
    Description: 'Agenda: numbers',
    ShowAs: 'Busy',
    IsPrivate: false,
    ...overrides,
  };
}

export function mailboxUpsert(
  id: string,
  item: CalendarEvent,
  version = 'ck-1',
  modifiedAt = '2026-12-01T10:00:00Z',
  syncId: string | null = null,
  policy: SyncPolicy = defaultSyncPolicy,
): MailboxItemState {
  return { kind: 'upsert', view: mailboxItemView({ id, version, modifiedAt, syncId, item }, defaultEventMapping, policy) };
}

export function crmUpsert(id: string, item: CrmRecord, version = 'ms-1', modifiedAt = '2026-12-01T10:00:00Z', syncId: string | null = null): CrmItemState {
  return { kind: 'upsert', view: crmItemView({ id, version, modifiedAt, syncId, item }, defaultEventMapping) };
}

/** A link whose base is what both `event()` and `record()` map to. */
export function linkFor(syncId: string, mailboxItemId: string, crmRecordId: string, overrides: Partial<Link> = {}): Link {
  const base = crmItemView({ id: crmRecordId, version: 'ms-1', modifiedAt: '', syncId, item: record() }, defaultEventMapping).values;
  return {
    mailboxId: 'mbx-1',
    objectKind: 'event',
    syncId,
    mailboxItemId,
    crmRecordId,
    mailboxVersion: 'ck-1',
    crmVersion: 'ms-1',
    base,
    baseHash: contentHash(base),
    origin: 'mailbox',
    tombstone: null,
    ...overrides,
  };
}

export function plannerInput(overrides: Partial<PlannerInput> = {}): PlannerInput {
  let counter = 0;
  return {
    mailboxId: 'mbx-1',
    objectKind: 'event',
    links: [],
    mailbox: new Map(),
    crm: new Map(),
    intents: [],
    plannedBases: new Map(),
    mapping: defaultEventMapping,
    policy: defaultSyncPolicy,
    window: { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' },
    newSyncId: () => `new-${++counter}`,
    ...overrides,
  };
}
