import { createHash } from 'node:crypto';

import type { CalendarEvent, Response } from '../domain/calendar-event.ts';
import type { ItemErrorReport } from '../domain/session-report.ts';
import type { Logger } from '../observability/logger.ts';
import type { PairAction } from './plan.ts';

/** The mailbox whose copy of a shared meeting is the org's one Event (see migration 0018). */
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
  /** Empty when the copy does not list its mailbox owner among the attendees. */
  readonly response: string;
  /** Item id of the copy, read again by its mailbox while the meeting has no owner. Null or absent when not read again. */
  readonly mailboxItemId?: string | null;
  /** Time the copy first waited for a synced organizer. Null or absent when it never waited. */
  readonly deferredAt?: string | null;
}

/** State of a synced organizer's mailbox, as an attendee waiting for that organizer reads it. */
export interface MeetingHolderState {
  /** Scheduling state of the mailbox, or null when it was never scheduled. */
  readonly state: string | null;
  /** Start of the last calendar session it finished, or null when none did since meetings had owners. */
  readonly lastSessionStartedAt: string | null;
}

/** Scheduling states in which a mailbox's sessions do not run, so an attendee must not wait for it. */
const NOT_RUNNING: ReadonlySet<string> = new Set(['suspendedByUser', 'suspendedByError', 'disconnected']);

/** Store port for the ownership of shared meetings. The primary key per org and meeting key settles every race. */
export interface SharedMeetingStore {
  /** Make `mailboxId` the owner of each key without an owner, then return every key's owner. Concurrent claims race on the key. */
  claimSharedMeetings(orgId: string, mailboxId: string, meetingKeys: readonly string[], at: string): Promise<Map<string, MeetingOwner>>;
  /** Return the owners of these keys, where there is one, and write nothing. */
  findSharedMeetings(orgId: string, meetingKeys: readonly string[]): Promise<Map<string, MeetingOwner>>;
  /** Record the Event of meetings `mailboxId` owns. Keys another mailbox owns are left alone. */
  settleSharedMeetings(orgId: string, mailboxId: string, settled: readonly { meetingKey: string; crmRecordId: string }[]): Promise<void>;
  recordSharedMeetingCopies(orgId: string, copies: readonly MeetingCopyResponse[], at: string): Promise<void>;
  listSharedMeetingCopies(orgId: string, meetingKeys: readonly string[]): Promise<MeetingCopyResponse[]>;
  /** List the copies of `mailboxId` whose meeting has no owner (still waiting, or released), so its session reads them again. */
  listUnownedMeetingCopies(orgId: string, mailboxId: string): Promise<{ meetingKey: string; mailboxItemId: string }[]>;
  /** Stop reading these items of `mailboxId` again, because they are gone or no longer a meeting to write. */
  forgetMeetingCopyItems(orgId: string, mailboxId: string, mailboxItemIds: readonly string[]): Promise<void>;
  /** Drop the ownership `mailboxId` has of the meetings whose Event is one of these records, so another copy may claim them. */
  releaseSharedMeetings(orgId: string, mailboxId: string, crmRecordIds: readonly string[]): Promise<number>;
  /** Record that a calendar session of `mailboxId` that started at `startedAt` has finished. */
  recordSharedMeetingSession(orgId: string, mailboxId: string, startedAt: string, endedAt: string): Promise<void>;
  sharedMeetingHolderStates(orgId: string, mailboxIds: readonly string[]): Promise<Map<string, MeetingHolderState>>;
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
  /** Writer of each copy's response to this mailbox owner's relation on the owner's Event, returning item errors. */
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

/** Outcome of a kind's run besides the pairs it wrote. */
export interface SettleExtras {
  /** Linked pairs whose mailbox item the session read without writing them (all of them on a full read). */
  readonly seen?: readonly MeetingPair[];
  /** The Events of pairs that ended because the mailbox copy was deleted or cancelled. */
  readonly endedCrmRecordIds?: readonly string[];
  /**
   * True for a chunk of a chunked full read that later chunks follow. The session is then not recorded as run yet:
   * an attendee waiting for this mailbox takes a recorded session to mean that it has listed all its meetings.
   */
  readonly laterChunks?: boolean;
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

/**
 * Return the key of a meeting that reuses the UID of a meeting `owner` owns and whose copies do not name `owner`. The
 * key hashes the UID's key, the organizer and `owner`, so it is the same in every copy of that meeting.
 */
function reusedUidKey(key: string, organizer: string | null, owner: string): string {
  return createHash('sha256').update(`${key}\n${organizer ?? ''}\napart from ${owner}`).digest('hex');
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
  /** When this session began: an attendee waiting on this mailbox counts only sessions that began after its wait. */
  private readonly startedAt: string;
  /** The items `revisit` returned, so `screen` can stop reading those that are no longer new meetings. */
  private revisited: readonly string[] = [];
  /** Items of the new pairs every `screen` of this session has seen, and how many copies it left out. */
  private readonly screenedItems = new Set<string>();
  private droppedCopies = 0;

  constructor(private readonly options: SharedMeetingOptions) {
    this.address = options.mailboxAddress.toLowerCase();
    this.others = new Map(options.syncedMailboxes.filter((mailbox) => mailbox.id !== options.mailboxId).map((mailbox) => [mailbox.address.toLowerCase(), mailbox.id]));
    this.startedAt = this.now().toISOString();
  }

  /**
   * Return this mailbox's copies of meetings that no mailbox owns: those waiting for a synced organizer, and those whose owner
   * let go. The cursor does not bring an unchanged copy back, so the session reads them by id.
   */
  async revisit(): Promise<string[]> {
    const copies = await this.options.store.listUnownedMeetingCopies(this.options.orgId, this.options.mailboxId);
    this.revisited = [...new Set(copies.map((copy) => copy.mailboxItemId))];
    return [...this.revisited];
  }

  /**
   * Claim the meetings of the plan's new pairs and drop the pairs whose meeting another mailbox owns, or will own
   * because its synced organizer's session has not claimed it yet. With `claim` false (a dry run) nothing is written,
   * and a meeting without an owner counts as this mailbox's. With `laterChunks` true (a chunk of a chunked full read
   * that later chunks follow), the revisited copies are kept and the note waits. Only the last screen of the session
   * has seen which copies no chunk listed, and how many copies the session left out in all.
   */
  async screen(actions: readonly PairAction[], logger: Logger, claim = true, laterChunks = false): Promise<ScreenedActions> {
    const { orgId, mailboxId, store } = this.options;
    const found = actions.flatMap((action) => {
      const event = newPairEvent(action);
      const shared = event === null ? null : this.sharedWith(event);
      return event === null || shared === null ? [] : [{ action, event, ...shared }];
    });
    for (const candidate of found) {
      if (candidate.action.mailboxItemId !== null) {
        this.screenedItems.add(candidate.action.mailboxItemId);
      }
    }
    const left = this.revisited.filter((id) => !this.screenedItems.has(id));
    if (claim && !laterChunks && left.length > 0) {
      // Deleted, cancelled or out of the selection now: the cursor reports its next change.
      await store.forgetMeetingCopyItems(orgId, mailboxId, left);
    }
    if (found.length === 0) {
      return { actions, itemErrors: [], notes: this.droppedNotes(claim, laterChunks) };
    }

    const at = this.now().toISOString();
    const candidates = await this.withOwnKeys(found);
    const waiting = await this.stillWaiting(candidates);
    const claimable = candidates.filter((candidate) => !waiting.has(candidate.key)).map((candidate) => candidate.key);
    if (claim && claimable.length > 0) {
      await store.claimSharedMeetings(orgId, mailboxId, claimable, at);
    }
    const owners = await store.findSharedMeetings(orgId, candidates.map((candidate) => candidate.key));

    const dropped = new Set<PairAction>();
    const invitees: InviteeCopy[] = [];
    const copies: MeetingCopyResponse[] = [];
    for (const { action, event, key, participants } of candidates) {
      const owner = owners.get(key);
      const ownedElsewhere = owner !== undefined && participants.has(owner.ownerMailboxId);
      const waits = owner === undefined && waiting.has(key);
      if (!ownedElsewhere && !waits) {
        continue;
      }
      dropped.add(action);
      const response = this.ownResponse(event);
      copies.push({ meetingKey: key, mailboxId, address: this.address, response: response ?? '', mailboxItemId: action.mailboxItemId, deferredAt: waits ? at : null });
      if (response !== null && owner?.crmRecordId != null && action.mailboxItemId !== null) {
        invitees.push({ meetingKey: key, mailboxItemId: action.mailboxItemId, crmRecordId: owner.crmRecordId, response });
      }
    }
    if (dropped.size === 0) {
      return { actions, itemErrors: [], notes: this.droppedNotes(claim, laterChunks) };
    }

    logger.debug({ copies: dropped.size, invitees: invitees.length }, 'Copies of meetings another synced mailbox owns are not written as Events of their own');
    if (!claim) {
      return { actions: actions.filter((action) => !dropped.has(action)), itemErrors: [], notes: [] };
    }
    await store.recordSharedMeetingCopies(orgId, copies, at);
    const itemErrors = invitees.length === 0 || this.options.writeOwnResponses === undefined ? [] : await this.options.writeOwnResponses(invitees, logger);
    this.droppedCopies += dropped.size;
    return { actions: actions.filter((action) => !dropped.has(action)), itemErrors, notes: this.droppedNotes(claim, laterChunks) };
  }

  /** Return the note on the copies this session's screens left out, once its last screen has run. */
  private droppedNotes(claim: boolean, laterChunks: boolean): string[] {
    const count = this.droppedCopies;
    if (!claim || laterChunks || count === 0) {
      return [];
    }
    return [`${count} meeting${count === 1 ? '' : 's'} of another synced mailbox of the org: kept as that mailbox's Event, with this mailbox's owner as its invitee`];
  }

  /**
   * Record the Events of the meetings this mailbox owns, so the copies of other mailboxes find them. A pair linked
   * before meetings had owners claims its meeting here when the session reads it, unless its synced organizer's
   * mailbox should own it. A pair that ended because its copy left gives its meeting up, so another copy takes over.
   */
  async settle(pairs: readonly MeetingPair[], extras: SettleExtras = {}): Promise<void> {
    const { orgId, mailboxId, store } = this.options;
    const ended = extras.endedCrmRecordIds ?? [];
    if (ended.length > 0) {
      await store.releaseSharedMeetings(orgId, mailboxId, ended);
    }
    const shared = [...pairs, ...(extras.seen ?? [])].flatMap((pair) => {
      const found = this.sharedWith(pair.item as CalendarEvent);
      return found === null ? [] : [{ ...found, crmRecordId: pair.crmRecordId }];
    });
    if (shared.length > 0) {
      const keyed = await this.withOwnKeys(shared);
      const owners = await store.findSharedMeetings(orgId, keyed.map((entry) => entry.key));
      const unowned = keyed.filter((entry) => !owners.has(entry.key));
      const states = await this.organizerStates(unowned.filter((entry) => entry.defers));
      // A linked copy of a synced organizer's meeting that no mailbox owns was linked before meetings had owners. It
      // keeps its Event as the meeting's once the organizer's mailbox has run since then without claiming it, or does not run.
      const own = keyed.filter((entry) => {
        const owner = owners.get(entry.key)?.ownerMailboxId;
        if (owner !== undefined) {
          return owner === mailboxId;
        }
        const state = this.organizerStateOf(entry, states);
        return !entry.defers || notRunning(state) || state?.lastSessionStartedAt != null;
      }).map((entry) => ({ meetingKey: entry.key, crmRecordId: entry.crmRecordId }));
      if (own.length > 0) {
        await store.claimSharedMeetings(orgId, mailboxId, own.map((entry) => entry.meetingKey), this.now().toISOString());
        await store.settleSharedMeetings(orgId, mailboxId, own);
      }
    }
    if (extras.laterChunks !== true) {
      await store.recordSharedMeetingSession(orgId, mailboxId, this.startedAt, this.now().toISOString());
    }
  }

  /**
   * Return the owner's copies with each other synced mailbox's own response in place of what the owner's copy shows
   * for that person, so writing the owner's invitees keeps the response that person gave.
   */
  async withCopyResponses<P extends MeetingPair>(pairs: readonly P[]): Promise<P[]> {
    const shared = pairs.flatMap((pair) => {
      const found = this.sharedWith(pair.item as CalendarEvent);
      return found === null ? [] : [{ ...found, pair }];
    });
    if (shared.length === 0) {
      return [...pairs];
    }
    // A meeting reusing another's UID keeps its copies' responses under its own key.
    const keyOf = new Map((await this.withOwnKeys(shared)).map((entry) => [entry.pair, entry.key]));
    const keyed = pairs.map((pair) => ({ pair, key: keyOf.get(pair) ?? null }));
    const keys = [...keyOf.values()];
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
   * Give a copy whose UID another mailbox owns, though the copy does not name that mailbox, a key of its own: another
   * meeting reuses the UID, and its synced copies must still share one Event among themselves.
   */
  private async withOwnKeys<T extends { key: string; participants: ReadonlySet<string>; organizer: string | null }>(copies: readonly T[]): Promise<T[]> {
    const owners = await this.options.store.findSharedMeetings(this.options.orgId, copies.map((copy) => copy.key));
    return copies.map((copy) => {
      const owner = owners.get(copy.key)?.ownerMailboxId;
      return owner === undefined || owner === this.options.mailboxId || copy.participants.has(owner) ? copy : { ...copy, key: reusedUidKey(copy.key, copy.organizer, owner) };
    });
  }

  /**
   * Return the keys of the copies that keep waiting for their synced organizer. The wait ends once the organizer's
   * mailbox has finished a session that began after the copy first waited without claiming the meeting (its copy is
   * outside its selection, private under `skip`, or gone), or when its sessions do not run.
   */
  private async stillWaiting(candidates: readonly { key: string; defers: boolean; organizer: string | null }[]): Promise<Set<string>> {
    const deferring = candidates.filter((candidate) => candidate.defers);
    if (deferring.length === 0) {
      return new Set();
    }
    const { orgId, mailboxId, store } = this.options;
    const keys = deferring.map((candidate) => candidate.key);
    const owners = await store.findSharedMeetings(orgId, keys);
    const unowned = deferring.filter((candidate) => !owners.has(candidate.key));
    if (unowned.length === 0) {
      return new Set();
    }
    const firstWaits = new Map((await store.listSharedMeetingCopies(orgId, keys)).filter((copy) => copy.mailboxId === mailboxId).map((copy) => [copy.meetingKey, copy.deferredAt ?? null]));
    const states = await this.organizerStates(unowned);
    const waiting = new Set<string>();
    for (const candidate of unowned) {
      const state = this.organizerStateOf(candidate, states);
      const since = firstWaits.get(candidate.key) ?? null;
      const passed = since !== null && state?.lastSessionStartedAt != null && state.lastSessionStartedAt > since;
      if (!notRunning(state) && !passed) {
        waiting.add(candidate.key);
      }
    }
    return waiting;
  }

  /** Return the states of the synced organizers' mailboxes of these copies, by mailbox id. */
  private async organizerStates(copies: readonly { organizer: string | null }[]): Promise<Map<string, MeetingHolderState>> {
    const ids = copies.flatMap((copy) => {
      const id = copy.organizer === null ? undefined : this.others.get(copy.organizer);
      return id === undefined ? [] : [id];
    });
    return ids.length === 0 ? new Map() : this.options.store.sharedMeetingHolderStates(this.options.orgId, ids);
  }

  private organizerStateOf(copy: { organizer: string | null }, states: ReadonlyMap<string, MeetingHolderState>): MeetingHolderState | undefined {
    const id = copy.organizer === null ? undefined : this.others.get(copy.organizer);
    return id === undefined ? undefined : states.get(id);
  }

  /**
   * Return the meeting's key and the other synced mailboxes this copy names as organizer or attendee. Null when it
   * names none or has no UID, because such a copy is mirrored on its own. `defers` is true when the organizer is one
   * of them, whose copy alone becomes the Event.
   */
  private sharedWith(event: CalendarEvent): { key: string; participants: ReadonlySet<string>; defers: boolean; organizer: string | null } | null {
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
    return { key, participants, defers: organizer !== null && this.others.has(organizer), organizer };
  }

  /** Return this mailbox owner's response as their copy shows it, or null when the copy does not list them. */
  private ownResponse(event: CalendarEvent): Response | null {
    const self = event.attendees.find((attendee) => attendee.email?.toLowerCase() === this.address);
    return self === undefined || self.response === 'organizer' ? null : self.response;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** Return true when the mailbox's sessions do not run, so no copy may wait for it. */
function notRunning(state: MeetingHolderState | undefined): boolean {
  return state?.state != null && NOT_RUNNING.has(state.state);
}

/** Return the mailbox copy from which a new pair makes or links a Salesforce record, or null for any other action. */
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
