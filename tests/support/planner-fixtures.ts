import type { CalendarEvent } from '../../src/domain/calendar-event.ts';
import type { CrmRecord } from '../../src/domain/connector.ts';
import type { Link } from '../../src/domain/link.ts';
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
