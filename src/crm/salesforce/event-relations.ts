import type { Attendee, CalendarEvent, Response } from '../../domain/calendar-event.ts';
import { isConnectorError } from '../../domain/errors.ts';
import type { LinkRequest, LinkResolver, LinkResult } from '../../domain/linking.ts';
import type { MailboxItem } from '../../domain/mailbox-items.ts';
import type { ItemErrorReport } from '../../domain/session-report.ts';
import type { Logger } from '../../observability/logger.ts';
import type { SalesforceRecordClient } from './record-client.ts';
import type { RecordWrite, RecordWriteResult } from './write-batches.ts';

/**
 * Attendees of a meeting as EventRelation invitees. Salesforce's Status picklist is New, Accepted, Declined, Maybe
 * and Uninvited; a Graph response maps onto it, and an uninvited relation is no attendee.
 */
const STATUS_BY_RESPONSE: Readonly<Record<Response, string | null>> = {
  none: 'New',
  notResponded: 'New',
  accepted: 'Accepted',
  tentativelyAccepted: 'Maybe',
  declined: 'Declined',
  // The organizer owns the Event and is never one of its invitees.
  organizer: null,
};

const RESPONSE_BY_STATUS: Readonly<Record<string, Response>> = {
  New: 'none',
  Accepted: 'accepted',
  Maybe: 'tentativelyAccepted',
  Declined: 'declined',
};

export function statusOfResponse(response: Response): string | null {
  return STATUS_BY_RESPONSE[response];
}

/** Return the mailbox response of an EventRelation Status, or null for Uninvited and values not in the picklist. */
export function responseOfStatus(status: string): Response | null {
  return RESPONSE_BY_STATUS[status] ?? null;
}

export interface InviteeOptions {
  /** Addresses of room and equipment mailboxes, lower-cased: they book a place, they are not people. */
  readonly resourceAddresses?: readonly string[];
}

/** Select the attendees who become invitees: people with an address who are neither a resource nor the organizer. */
export function inviteesOf(event: CalendarEvent, options: InviteeOptions = {}): Attendee[] {
  const resources = new Set((options.resourceAddresses ?? []).map((address) => address.toLowerCase()));
  const organizer = event.organizer?.email?.toLowerCase() ?? null;
  const seen = new Set<string>();
  return event.attendees.filter((attendee) => {
    const address = attendee.email?.toLowerCase() ?? null;
    if (address === null || attendee.type === 'resource' || attendee.response === 'organizer' || address === organizer || resources.has(address) || seen.has(address)) {
      return false;
    }
    seen.add(address);
    return true;
  });
}

/** Build the linking request for a meeting's invitees, so each address resolves to a Contact, Lead or User. */
export function inviteeLinkRequest(orgId: string, ownerUserId: string, invitees: readonly Attendee[]): LinkRequest {
  return {
    orgId,
    ownerUserId,
    activity: 'Event',
    people: invitees.map((attendee) => ({ address: attendee.email as string, name: attendee.name, role: 'attendee' })),
    signatureText: null,
    isBulk: false,
  };
}

export interface ExistingEventRelation {
  readonly id: string;
  readonly eventId: string;
  readonly relationId: string;
  readonly status: string;
}

export interface RelationPlan {
  readonly writes: RecordWrite[];
  /** Invitees whose address matched no record: they stay on the mailbox side only, and are never dropped there. */
  readonly unresolved: Attendee[];
}

/**
 * Plan the EventRelation writes that make an Event's invitees those of the meeting. Each resolved invitee gets a
 * relation with its status, a changed response updates the status, and a person who left loses the relation. The
 * Event's owner is its organizer, never an invitee.
 */
export function planEventRelations(
  eventId: string,
  invitees: readonly Attendee[],
  byAddress: Readonly<Record<string, string>>,
  existing: readonly ExistingEventRelation[],
  ownerUserId: string,
): RelationPlan {
  const wanted = new Map<string, string>();
  const unresolved: Attendee[] = [];
  for (const invitee of invitees) {
    const recordId = byAddress[(invitee.email ?? '').toLowerCase()];
    if (recordId === undefined) {
      unresolved.push(invitee);
      continue;
    }
    const status = statusOfResponse(invitee.response);
    if (status !== null && recordId !== ownerUserId && !wanted.has(recordId)) {
      wanted.set(recordId, status);
    }
  }

  const writes: RecordWrite[] = [];
  const kept = new Set<string>();
  for (const relation of existing) {
    const status = wanted.get(relation.relationId);
    if (status === undefined || kept.has(relation.relationId)) {
      writes.push({ op: 'delete', ref: `relation-delete-${eventId}-${relation.id}`, id: relation.id });
      continue;
    }
    kept.add(relation.relationId);
    if (status !== relation.status) {
      writes.push({ op: 'update', ref: `relation-update-${eventId}-${relation.id}`, sobject: 'EventRelation', id: relation.id, values: { Status: status } });
    }
  }
  for (const [relationId, status] of wanted) {
    if (!kept.has(relationId)) {
      writes.push({ op: 'insert', ref: `relation-insert-${eventId}-${relationId}`, sobject: 'EventRelation', values: { EventId: eventId, RelationId: relationId, Status: status } });
    }
  }
  return { writes, unresolved };
}

/** Read the invitee relations of these Events, by Event id; the What and parent relations of Shared Activities are left out. */
export async function readEventRelations(client: SalesforceRecordClient, eventIds: readonly string[]): Promise<Map<string, ExistingEventRelation[]>> {
  const rows = await client.selectWhereIn('EventRelation', ['EventId', 'RelationId', 'Status'], 'EventId', eventIds, 'IsInvitee = true');
  const byEvent = new Map<string, ExistingEventRelation[]>();
  for (const row of rows) {
    const relation: ExistingEventRelation = { id: String(row.Id), eventId: String(row.EventId), relationId: String(row.RelationId), status: String(row.Status ?? 'New') };
    byEvent.set(relation.eventId, [...(byEvent.get(relation.eventId) ?? []), relation]);
  }
  return byEvent;
}

export interface MeetingInvitees {
  readonly eventId: string;
  readonly event: CalendarEvent;
  /** The meeting's people as the session already resolved them for its Event's WhoId; absent to resolve them here. */
  readonly link?: Pick<LinkResult, 'byAddress'>;
}

export interface RelationSyncOptions {
  readonly client: SalesforceRecordClient;
  readonly resolver: LinkResolver;
  readonly orgId: string;
  /** Salesforce User id of the mailbox owner, who owns the Event and is never its invitee. */
  readonly ownerUserId: string;
  readonly invitees?: InviteeOptions;
}

export interface RelationSyncResult {
  readonly results: RecordWriteResult[];
  /** Per Event id, the invitees no record matched. */
  readonly unresolved: Map<string, Attendee[]>;
}

/**
 * Bring the EventRelation invitees of these Events in line with their meetings' attendees: one linking request for
 * all of them, one read of the existing relations, then the writes. Salesforce mails group event invitees from the API
 * only when a SOAP EmailHeader asks it to, and REST writes carry none, so these writes send no invitation.
 */
export async function syncEventRelations(options: RelationSyncOptions, meetings: readonly MeetingInvitees[]): Promise<RelationSyncResult> {
  if (meetings.length === 0) {
    return { results: [], unresolved: new Map() };
  }
  const invitees = meetings.map((meeting) => inviteesOf(meeting.event, options.invitees));
  const links = await linksOf(options, meetings, invitees);
  const existing = await readEventRelations(options.client, meetings.map((meeting) => meeting.eventId));

  const writes: RecordWrite[] = [];
  const unresolved = new Map<string, Attendee[]>();
  meetings.forEach((meeting, index) => {
    const plan = planEventRelations(meeting.eventId, invitees[index] ?? [], links[index]?.byAddress ?? {}, existing.get(meeting.eventId) ?? [], options.ownerUserId);
    // A mailbox copy without any attendee is no meeting there (e.g. one this engine created from Salesforce without
    // inviting anybody), so it cannot tell that Salesforce's invitees left.
    writes.push(...(meeting.event.attendees.length === 0 ? plan.writes.filter((write) => write.op !== 'delete') : plan.writes));
    if (plan.unresolved.length > 0) {
      unresolved.set(meeting.eventId, plan.unresolved);
    }
  });
  const results = writes.length === 0 ? [] : await options.client.write(writes);
  return { results, unresolved };
}

/** Return the linking result of each meeting: the one it came with, else one resolver call for all the others. */
async function linksOf(options: RelationSyncOptions, meetings: readonly MeetingInvitees[], invitees: readonly Attendee[][]): Promise<Pick<LinkResult, 'byAddress'>[]> {
  const missing = meetings.flatMap((meeting, index) => (meeting.link === undefined ? [index] : []));
  const resolved = missing.length === 0 ? [] : await options.resolver.resolve(missing.map((index) => inviteeLinkRequest(options.orgId, options.ownerUserId, invitees[index] ?? [])));
  const byIndex = new Map(missing.map((index, position) => [index, resolved[position]]));
  return meetings.map((meeting, index) => meeting.link ?? byIndex.get(index) ?? { byAddress: {} });
}

/** The people an invitee relation can point to, with the fields that carry their address and name. */
const PEOPLE_OBJECTS = ['Contact', 'Lead', 'User'] as const;

/**
 * Read the invitees of these Events as mailbox attendees: each invitee relation's person with the response of its
 * Status. Uninvited relations are left out.
 */
export async function readInviteeAttendees(client: SalesforceRecordClient, eventIds: readonly string[]): Promise<Map<string, Attendee[]>> {
  const relations = await readEventRelations(client, eventIds);
  const relationIds = [...relations.values()].flat().map((relation) => relation.relationId);
  const people = new Map<string, { email: string | null; name: string | null }>();
  for (const sobject of PEOPLE_OBJECTS) {
    for (const row of await client.selectWhereIn(sobject, ['Email', 'Name'], 'Id', relationIds)) {
      people.set(String(row.Id), { email: typeof row.Email === 'string' && row.Email !== '' ? row.Email : null, name: typeof row.Name === 'string' ? row.Name : null });
    }
  }

  const byEvent = new Map<string, Attendee[]>();
  for (const [eventId, list] of relations) {
    byEvent.set(eventId, list.flatMap((relation) => {
      const person = people.get(relation.relationId);
      const response = responseOfStatus(relation.status);
      return person === undefined || response === null ? [] : [{ ...person, type: 'required' as const, response }];
    }));
  }
  return byEvent;
}

/**
 * Merge Salesforce's invitees into the mailbox's attendee list. Every mailbox attendee stays (resolved or not) with its
 * own response, and a person Salesforce invited who is not on the mailbox side is added.
 */
export function mergeAttendees(mailbox: readonly Attendee[], crm: readonly Attendee[]): Attendee[] {
  const present = new Set(mailbox.flatMap((attendee) => (attendee.email === null ? [] : [attendee.email.toLowerCase()])));
  return [...mailbox, ...crm.filter((attendee) => attendee.email !== null && !present.has(attendee.email.toLowerCase()))];
}

/** A synced meeting after its Event was written: its sync id, Event id and the mailbox's copy. */
export interface WrittenMeeting {
  readonly syncId: string;
  readonly crmRecordId: string;
  readonly item: MailboxItem;
}

export interface RelationsAfterWritesOptions extends Omit<RelationSyncOptions, 'ownerUserId'> {
  readonly ownerUserId: () => Promise<string>;
  readonly recordUrl: (id: string) => string;
  /** The linking result the session already has for a meeting, by sync id, so its people are not resolved twice. */
  readonly linkOf?: (syncId: string) => LinkResult | undefined;
}

/**
 * Create the follow-up of an event kind's writes, which writes the invitees of every meeting changed this session as
 * EventRelations. A failure becomes an item error per meeting, and the next change of the meeting tries again.
 */
export function eventRelationsAfterWrites(options: RelationsAfterWritesOptions): (pairs: readonly WrittenMeeting[], logger: Logger) => Promise<ItemErrorReport[]> {
  return async (pairs, logger) => {
    const meetings = pairs.map((pair): MeetingInvitees => {
      const link = options.linkOf?.(pair.syncId);
      return { eventId: pair.crmRecordId, event: pair.item as CalendarEvent, ...(link === undefined ? {} : { link }) };
    });
    const report = (pair: WrittenMeeting, code: string, message: string): ItemErrorReport => ({
      objectKind: 'event', side: 'crm', itemId: pair.crmRecordId, syncId: pair.syncId, code, message, recordUrl: options.recordUrl(pair.crmRecordId),
    });
    try {
      const outcome = await syncEventRelations({ ...options, ownerUserId: await options.ownerUserId() }, meetings);
      const failed = outcome.results.filter((result) => !result.ok);
      if (failed.length > 0) {
        logger.warn({ failed: failed.length }, 'Some invitees were not written as EventRelations; the next change of their meeting tries again');
      }
      const unresolved = [...outcome.unresolved.values()].reduce((count, list) => count + list.length, 0);
      if (unresolved > 0) {
        logger.info({ unresolved }, 'Attendees matching no Contact, Lead or User stay on the mailbox side only');
      }
      const failedEvents = new Set(failed.flatMap((result) => eventIdOfRef(result.ref, pairs)));
      return pairs.filter((pair) => failedEvents.has(pair.crmRecordId)).map((pair) => report(pair, 'INVITEES_NOT_WRITTEN', `Some invitees of Event ${pair.crmRecordId} were not written as EventRelations`));
    } catch (error) {
      if (!isConnectorError(error)) {
        throw error;
      }
      logger.warn({ err: error }, 'Writing invitees as EventRelations failed; the next change of their meetings tries again');
      return pairs.map((pair) => report(pair, error.failure.code, `Invitees not written: ${error.failure.message}`));
    }
  };
}

/** Return the Event a relation write belongs to, which every relation write's ref names. */
function eventIdOfRef(ref: string, pairs: readonly WrittenMeeting[]): string[] {
  return pairs.filter((pair) => ['insert', 'update', 'delete'].some((op) => ref.startsWith(`relation-${op}-${pair.crmRecordId}-`))).map((pair) => pair.crmRecordId);
}
