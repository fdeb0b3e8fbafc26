import { createHash } from 'node:crypto';

import type { CalendarEvent, Response } from '../domain/calendar-event.ts';
import type { ItemErrorReport } from '../domain/session-report.ts';
import type { Logger } from '../observability/logger.ts';
import type { PairAction } from './plan.ts';

/** The mailbox whose copy of a shared meeting is the org's one Event. */
export interface MeetingOwner {
  readonly meetingKey: string;
  readonly ownerMailboxId: string;
  /** Null until the owner's session has linked its copy to an Event. */
  readonly crmRecordId: string | null;
}

/** The response a mailbox that does not own a meeting gave in its own copy. */
export interface MeetingCopyResponse {
  readonly meetingKey: string;
  readonly mailboxId: string;
  readonly address: string;
  readonly response: string;
}

/** The store's ownership of shared meetings; the primary key per org and meeting key settles every race. */
export interface SharedMeetingStore {
  claimSharedMeetings(orgId: string, mailboxId: string, meetingKeys: readonly string[], at: string): Promise<Map<string, MeetingOwner>>;
  findSharedMeetings(orgId: string, meetingKeys: readonly string[]): Promise<Map<string, MeetingOwner>>;
  settleSharedMeetings(orgId: string, mailboxId: string, settled: readonly { meetingKey: string; crmRecordId: string }[]): Promise<void>;
  recordSharedMeetingCopies(orgId: string, copies: readonly MeetingCopyResponse[], at: string): Promise<void>;
  listSharedMeetingCopies(orgId: string, meetingKeys: readonly string[]): Promise<MeetingCopyResponse[]>;
}

/** A copy of a meeting another mailbox owns, whose own response belongs on that mailbox's Event. */
export interface InviteeCopy {
  readonly meetingKey: string;
  readonly mailboxItemId: string;
  /** The owner's Event. */
  readonly crmRecordId: string;
  readonly response: Response;
}

export interface SharedMeetingOptions {
  readonly orgId: string;
  readonly mailboxId: string;
  readonly mailboxAddress: string;
  /** The org's mailboxes whose calendars flow into Salesforce, this one included. */
  readonly syncedMailboxes: readonly { readonly id: string; readonly address: string }[];
  readonly store: SharedMeetingStore;
  /** Writes each copy's response to this mailbox owner's relation on the owner's Event; returns item errors. */
  readonly writeOwnResponses?: (copies: readonly InviteeCopy[], logger: Logger) => Promise<readonly ItemErrorReport[]>;
  readonly now?: () => Date;
}

/** The result of screening a plan: the actions to run, and the item errors and notes of the copies it left out. */
export interface ScreenedActions {
  readonly actions: readonly PairAction[];
  readonly itemErrors: readonly ItemErrorReport[];
  readonly notes: readonly string[];
}

/** The item of a pair as the session wrote it. */
export interface MeetingPair {
  readonly crmRecordId: string;
  readonly item: unknown;
}

/**
 * Return the key that every copy of one meeting shares in an org: a hash of its iCalendar UID and, for an instance of
 * a series, of the slot it was made for. EWS, Google and CalDAV give every instance the series' UID. Null for an
 * item without a UID, which is then mirrored on its own.
 */
export function meetingKeyOf(event: CalendarEvent): string | null {
  const uid = event.iCalUId?.trim() ?? '';
  if (uid === '') {
    return null;
  }
  const slot = event.recurrence === null ? '' : normalSlot(event.recurrence.originalStart);
  return createHash('sha256').update(`${uid}\n${slot}`).digest('hex');
}

/** Instants compare by value, so one copy's offset notation does not make a second key. */
function normalSlot(originalStart: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(originalStart)) {
    return originalStart;
  }
  const ms = Date.parse(originalStart);
  return Number.isNaN(ms) ? originalStart : new Date(ms).toISOString();
}

/**
 * One Salesforce Event per meeting for all synced mailboxes of an org. Only the meeting's owner writes a pair made
 * from its copy. The owner is the organizer's mailbox when the organizer is a synced user of the org, else the first
 * mailbox whose session claims the meeting. Any other copy is left out of the plan, and the response it shows is
 * kept for the owner's Event.
 */
export class SharedMeetings {
  private readonly address: string;
  /** Mailbox ids of the other synced mailboxes, by lower-cased address. */
  private readonly others: ReadonlyMap<string, string>;

  constructor(private readonly options: SharedMeetingOptions) {
    this.address = options.mailboxAddress.toLowerCase();
    this.others = new Map(options.syncedMailboxes.filter((mailbox) => mailbox.id !== options.mailboxId).map((mailbox) => [mailbox.address.toLowerCase(), mailbox.id]));
  }

  /**
   * Claim the meetings of the plan's new pairs and drop the pairs whose meeting another mailbox owns, or will own
   * because its synced organizer's session has not claimed it yet. With `claim` false (a dry run) nothing is written,
   * and a meeting without an owner counts as this mailbox's.
   */
  async screen(actions: readonly PairAction[], logger: Logger, claim = true): Promise<ScreenedActions> {
    const candidates = actions.flatMap((action) => {
      const event = newPairEvent(action);
      const shared = event === null ? null : this.sharedWith(event);
      return event === null || shared === null ? [] : [{ action, event, ...shared }];
    });
    if (candidates.length === 0) {
      return { actions, itemErrors: [], notes: [] };
    }

    const { orgId, mailboxId, store } = this.options;
    const at = this.now().toISOString();
    const claimable = candidates.filter((candidate) => !candidate.defers).map((candidate) => candidate.key);
    if (claim && claimable.length > 0) {
      await store.claimSharedMeetings(orgId, mailboxId, claimable, at);
    }
    const owners = await store.findSharedMeetings(orgId, candidates.map((candidate) => candidate.key));

    const dropped = new Set<PairAction>();
    const invitees: InviteeCopy[] = [];
    const responses: MeetingCopyResponse[] = [];
    for (const { action, event, key, defers, participants } of candidates) {
      const owner = owners.get(key);
      const ownedElsewhere = owner !== undefined && participants.has(owner.ownerMailboxId);
      // A meeting without an owner waits for its synced organizer. One owned by a mailbox this copy does not name
      // (another meeting reusing the UID) is mirrored on its own.
      if (!ownedElsewhere && !(owner === undefined && defers)) {
        continue;
      }
      dropped.add(action);
      const response = this.ownResponse(event);
      if (response === null) {
        continue;
      }
      responses.push({ meetingKey: key, mailboxId, address: this.address, response });
      if (owner?.crmRecordId != null && action.mailboxItemId !== null) {
        invitees.push({ meetingKey: key, mailboxItemId: action.mailboxItemId, crmRecordId: owner.crmRecordId, response });
      }
    }
    if (dropped.size === 0) {
      return { actions, itemErrors: [], notes: [] };
    }

    logger.debug({ copies: dropped.size, invitees: invitees.length }, 'Copies of meetings another synced mailbox owns are not written as Events of their own');
    if (!claim) {
      return { actions: actions.filter((action) => !dropped.has(action)), itemErrors: [], notes: [] };
    }
    if (responses.length > 0) {
      await store.recordSharedMeetingCopies(orgId, responses, at);
    }
    const itemErrors = invitees.length === 0 || this.options.writeOwnResponses === undefined ? [] : await this.options.writeOwnResponses(invitees, logger);
    return {
      actions: actions.filter((action) => !dropped.has(action)),
      itemErrors,
      notes: [`${dropped.size} meeting${dropped.size === 1 ? '' : 's'} of another synced mailbox of the org: kept as that mailbox's Event, with this mailbox's owner as its invitee`],
    };
  }

  /**
   * Record the Events of the meetings this mailbox owns, so the copies of other mailboxes find them. A pair linked
   * before meetings had owners claims its meeting here, unless its synced organizer's mailbox should own it.
   */
  async settle(pairs: readonly MeetingPair[]): Promise<void> {
    const settled = pairs.flatMap((pair) => {
      const shared = this.sharedWith(pair.item as CalendarEvent);
      return shared === null || shared.defers ? [] : [{ meetingKey: shared.key, crmRecordId: pair.crmRecordId }];
    });
    if (settled.length === 0) {
      return;
    }
    const { orgId, mailboxId, store } = this.options;
    await store.claimSharedMeetings(orgId, mailboxId, settled.map((entry) => entry.meetingKey), this.now().toISOString());
    await store.settleSharedMeetings(orgId, mailboxId, settled);
  }

  /**
   * Return the owner's copies with each other synced mailbox's own response in place of what the owner's copy shows
   * for that person, so writing the owner's invitees keeps the response that person gave.
   */
  async withCopyResponses<P extends MeetingPair>(pairs: readonly P[]): Promise<P[]> {
    const keyed = pairs.map((pair) => ({ pair, key: meetingKeyOf(pair.item as CalendarEvent) }));
    const keys = keyed.flatMap((entry) => (entry.key === null ? [] : [entry.key]));
    if (keys.length === 0) {
      return [...pairs];
    }
    const copies = await this.options.store.listSharedMeetingCopies(this.options.orgId, keys);
    const byKey = new Map<string, Map<string, Response>>();
    for (const copy of copies) {
      if (copy.mailboxId !== this.options.mailboxId && isResponse(copy.response)) {
        byKey.set(copy.meetingKey, (byKey.get(copy.meetingKey) ?? new Map<string, Response>()).set(copy.address.toLowerCase(), copy.response));
      }
    }
    return keyed.map(({ pair, key }) => {
      const responses = key === null ? undefined : byKey.get(key);
      if (responses === undefined) {
        return pair;
      }
      const event = pair.item as CalendarEvent;
      const attendees = event.attendees.map((attendee) => {
        const response = attendee.email === null ? undefined : responses.get(attendee.email.toLowerCase());
        return response === undefined || attendee.response === 'organizer' ? attendee : { ...attendee, response };
      });
      return { ...pair, item: { ...event, attendees } };
    });
  }

  /**
   * Return the meeting's key and the other synced mailboxes this copy names as organizer or attendee. Null when it
   * names none or has no UID, because such a copy is mirrored on its own. `defers` is true when the organizer is one
   * of them, whose copy alone becomes the Event.
   */
  private sharedWith(event: CalendarEvent): { key: string; participants: ReadonlySet<string>; defers: boolean } | null {
    const key = meetingKeyOf(event);
    if (key === null) {
      return null;
    }
    const organizer = event.organizer?.email?.trim().toLowerCase() ?? null;
    const addresses = [organizer, ...event.attendees.map((attendee) => attendee.email?.trim().toLowerCase() ?? null)];
    const participants = new Set<string>();
    for (const address of addresses) {
      const id = address === null ? undefined : this.others.get(address);
      if (id !== undefined) {
        participants.add(id);
      }
    }
    if (participants.size === 0) {
      return null;
    }
    return { key, participants, defers: organizer !== null && this.others.has(organizer) };
  }

  /** This mailbox owner's response as their copy shows it; null when the copy does not list them. */
  private ownResponse(event: CalendarEvent): Response | null {
    const self = event.attendees.find((attendee) => attendee.email?.toLowerCase() === this.address);
    return self === undefined || self.response === 'organizer' ? null : self.response;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** Return the mailbox copy from which a new pair makes or links a Salesforce record; null for any other action. */
function newPairEvent(action: PairAction): CalendarEvent | null {
  if (action.link !== null || action.mailboxItem === null || action.crmWrite?.op === 'delete') {
    return null;
  }
  return action.mailboxItem as CalendarEvent;
}

const RESPONSES: ReadonlySet<string> = new Set<Response>(['none', 'accepted', 'tentativelyAccepted', 'declined', 'notResponded']);

function isResponse(value: string): value is Response {
  return RESPONSES.has(value);
}
