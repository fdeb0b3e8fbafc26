import type { CalendarEvent, Person } from '../domain/calendar-event.ts';
import type { CrmRecord, ItemSnapshot, ItemSource, PullResult, SyncWindow, Write, WriteResult } from '../domain/connector.ts';
import { isConnectorError } from '../domain/errors.ts';
import type { LinkRequest, LinkResolver, LinkResult, PersonRef, PersonRole } from '../domain/linking.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { LinkingLogger, StoredExplanation } from './ports.ts';

/**
 * Linking for the activities that mirroring writes: the WhoId and WhatId of each Event (or calendar item kept as a
 * Task) go into the same write as the record, so linking costs no extra write call. Mailbox tasks name no people, so
 * the task kind links nothing.
 */

/** The Salesforce object a meeting is written as. */
export type LinkedActivity = 'Event' | 'Task';

/** The privacy policy's choice for private mailbox items (the sync policy's `privateItems`). */
export type PrivateItemsPolicy = 'skip' | 'withoutBody' | 'busyOnly';

/** A Salesforce create or update that a session is about to send, with the mailbox item it comes from. */
export interface ActivityWrite {
  readonly syncId: string;
  readonly op: 'create' | 'update';
  readonly item: MailboxItem;
}

/** The WhoId and WhatId an activity record has in Salesforce now. */
export interface CurrentLinks {
  readonly whoId: string | null;
  readonly whatId: string | null;
}

const NO_LINKS: CurrentLinks = { whoId: null, whatId: null };
/** The id at the end of a remembered link's detail (`Syncline set the WhoId to 003…`). */
const SET_ID = /to ([A-Za-z0-9]{15,18})$/;
/** Key prefix of Lead ids: Salesforce rejects a WhatId next to a Lead as WhoId. */
const LEAD_PREFIX = '00Q';

export interface MeetingRequestOptions {
  readonly orgId: string;
  readonly ownerUserId: string;
  /** The mailbox owner's address: they own the activity, so they are never linked or created as a person of it. */
  readonly mailboxAddress: string;
  readonly activity: LinkedActivity;
  readonly privateItems: PrivateItemsPolicy;
}

/**
 * Build the linking request of a meeting: its organizer and attendees (rooms and equipment left out), once each, in
 * the meeting's order. Returns null when no person is left to link, or when the privacy policy shows the meeting as busy
 * time only, because a linked person would tell Salesforce who the private meeting was with. The description is read
 * for a signature only when the meeting is not private.
 */
export function meetingLinkRequest(event: CalendarEvent, options: MeetingRequestOptions): LinkRequest | null {
  const isPrivate = event.sensitivity === 'private' || event.sensitivity === 'confidential';
  if (isPrivate && (options.privateItems !== 'withoutBody' || event.sensitivity === 'confidential')) {
    return null;
  }
  const owner = options.mailboxAddress.trim().toLowerCase();
  const seen = new Set<string>([owner]);
  const people: PersonRef[] = [];
  const add = (person: Person, role: PersonRole) => {
    const address = person.email?.trim() ?? '';
    if (address === '' || seen.has(address.toLowerCase())) {
      return;
    }
    seen.add(address.toLowerCase());
    people.push({ address, name: person.name, role });
  };
  if (event.organizer !== null) {
    add(event.organizer, 'organizer');
  }
  for (const attendee of event.attendees) {
    if (attendee.type !== 'resource') {
      add(attendee, attendee.response === 'organizer' ? 'organizer' : 'attendee');
    }
  }
  if (people.length === 0) {
    return null;
  }
  return {
    orgId: options.orgId,
    ownerUserId: options.ownerUserId,
    activity: options.activity,
    people,
    signatureText: isPrivate ? null : event.body,
    isBulk: false,
    isPrivate,
  };
}

/** The WhoId and WhatId values of a write; null clears a link Syncline set before. */
export interface LinkFieldValues {
  WhoId?: string | null;
  WhatId?: string | null;
}

/**
 * Return the WhoId and WhatId to write, given the record's current links (none for a create) and the links Syncline
 * itself wrote before (`ours`). An empty field, or one still equal to Syncline's value, follows the meeting's people.
 * So when an attendee is replaced, the link moves to the new person, or is cleared when no person matches. Any other
 * value was set by a person in Salesforce and is kept. A WhatId is written only next to its own WhoId, never next to a Lead.
 */
export function linkFieldValues(result: LinkResult, current: CurrentLinks = NO_LINKS, ours: CurrentLinks = NO_LINKS): LinkFieldValues {
  const values: LinkFieldValues = {};
  const whoIsOurs = current.whoId === null || current.whoId === ours.whoId;
  const whatIsOurs = current.whatId === null || current.whatId === ours.whatId;
  let whoIdAfter = current.whoId;
  if (whoIsOurs && result.whoId !== current.whoId && !(result.whoId !== null && !whatIsOurs && isLeadId(result.whoId))) {
    values.WhoId = result.whoId;
    whoIdAfter = result.whoId;
  }
  if (whatIsOurs && whoIdAfter === result.whoId && result.whatId !== current.whatId) {
    // result.whatId is null next to a Lead, so a WhatId Syncline set is cleared before a Lead takes the WhoId.
    values.WhatId = whoIdAfter !== null && isLeadId(whoIdAfter) ? null : result.whatId;
  }
  if (values.WhatId === current.whatId) {
    delete values.WhatId;
  }
  return values;
}

function isLeadId(id: string): boolean {
  return id.startsWith(LEAD_PREFIX);
}

/** The Salesforce record source of an activity kind, as the engine builds it. */
export type ActivitySource = ItemSource<CrmRecord> & { recordUrl(id: string): string };

/**
 * Store of the WhoId and WhatId the linker wrote on each activity record. The rows are explanations under the
 * activity record's id (use `linkSet`), so `syncline explain ACTIVITY_ID` prints them too.
 */
export interface ActivityLinkMemory {
  recordLinkExplanations(explanations: readonly StoredExplanation[]): Promise<void>;
  listLinkExplanations(orgId: string | null, recordId: string): Promise<readonly { readonly use: string; readonly rule: string; readonly detail: string }[]>;
}

/** The `use` of the explanation rows that remember a link Syncline set on an activity record. */
export const LINK_SET_USE = 'linkSet';

export interface ActivityLinkerOptions {
  readonly orgId: string;
  /** Without it, only empty links are filled, because no link can be recognised as Syncline's own. */
  readonly memory?: ActivityLinkMemory;
  readonly activity: LinkedActivity;
  readonly mailboxAddress: string;
  readonly resolver: LinkResolver;
  /** Salesforce User id of the mailbox owner. */
  readonly ownerUserId: () => Promise<string>;
}

/**
 * Link the meetings of one kind of one session. `prepare` resolves the people of all creates and updates in one
 * resolver call before they are sent. The wrapped record source then adds each record's WhoId and WhatId to its
 * write. The source must read WhoId and WhatId, so that an update fills only the empty ones.
 */
export class ActivityLinker {
  private prepared = new Map<string, LinkResult>();
  /** WhoId and WhatId of each record read this session, by record id. */
  private readonly current = new Map<string, CurrentLinks>();
  /** WhoId and WhatId Syncline set on each record before, by record id, as read from the memory for this write. */
  private readonly ours = new Map<string, CurrentLinks>();
  private logger: LinkingLogger | null = null;

  constructor(private readonly options: ActivityLinkerOptions) {}

  /** Return the linking result of a meeting written this session, by its sync id. */
  resultFor(syncId: string): LinkResult | undefined {
    return this.prepared.get(syncId);
  }

  /**
   * Resolve the people of these writes. A Salesforce failure leaves the writes without links and returns a note. A
   * failure that stops the mailbox (suspend, reauthenticate) and a bug are thrown.
   */
  async prepare(writes: readonly ActivityWrite[], context: { readonly logger: LinkingLogger; readonly privateItems: PrivateItemsPolicy }): Promise<string[]> {
    this.prepared = new Map();
    this.logger = context.logger;
    if (writes.length === 0) {
      return [];
    }
    try {
      const ownerUserId = await this.options.ownerUserId();
      const requests = writes.flatMap((write) => {
        const { orgId, mailboxAddress, activity } = this.options;
        const request = meetingLinkRequest(write.item as CalendarEvent, { orgId, mailboxAddress, activity, ownerUserId, privateItems: context.privateItems });
        return request === null ? [] : [{ syncId: write.syncId, request }];
      });
      if (requests.length === 0) {
        return [];
      }
      const results = await this.options.resolver.resolve(requests.map((entry) => entry.request));
      requests.forEach((entry, index) => {
        const result = results[index];
        if (result !== undefined) {
          this.prepared.set(entry.syncId, result);
          logLink(context.logger, this.options.activity, entry.syncId, result);
        }
      });
      return [];
    } catch (error) {
      if (!isConnectorError(error) || error.failure.kind === 'suspend' || error.failure.kind === 'reauthenticate' || error.failure.kind === 'bug') {
        throw error;
      }
      context.logger.warn({ code: error.failure.code, writes: writes.length }, 'Linking meetings to Contacts, Leads and Accounts failed, so they are written without links. Their next update links them');
      return [`Meetings were written without links to Contacts, Leads and Accounts: ${error.failure.message} (${error.failure.code})`];
    }
  }

  /** Wrap the kind's record source: reads remember each record's links, and writes carry the prepared links. */
  wrap(source: ActivitySource): ActivitySource {
    const remember = (snapshots: Iterable<ItemSnapshot<CrmRecord>>) => {
      for (const snapshot of snapshots) {
        this.current.set(snapshot.id, { whoId: idOrNull(snapshot.item.WhoId), whatId: idOrNull(snapshot.item.WhatId) });
      }
    };
    const readItems = async (ids: readonly string[]) => {
      const found = await source.readItems(ids);
      remember(found.values());
      return found;
    };
    return {
      get calls() {
        return source.calls;
      },
      recordUrl: (id: string) => source.recordUrl(id),
      pullChanges: async (cursor: string | null, window: SyncWindow): Promise<PullResult<CrmRecord>> => {
        const pulled = await source.pullChanges(cursor, window);
        remember(pulled.changes.flatMap((change) => (change.kind === 'upsert' ? [change] : [])));
        return pulled;
      },
      readItems,
      findBySyncIds: async (syncIds: readonly string[]) => {
        const found = await source.findBySyncIds(syncIds);
        remember(found.values());
        return found;
      },
      applyWrites: async (writes: readonly Write<CrmRecord>[]): Promise<WriteResult[]> => {
        const unread = writes.flatMap((write) => (write.op === 'update' && this.prepared.has(write.ref) && !this.current.has(write.id) ? [write.id] : []));
        if (unread.length > 0) {
          await readItems(unread).catch((error: unknown) => {
            if (!isConnectorError(error)) {
              throw error;
            }
            // Without the record's links as they are now, its links stay as they are.
            this.logger?.warn({ code: error.failure.code, records: unread.length }, 'Could not read the links of meetings before updating them; their links stay as they are');
          });
        }
        await this.recallOwnLinks(writes);
        const linked = writes.map((write) => this.withLinks(write));
        const results = await source.applyWrites(linked);
        await this.rememberOwnLinks(linked, results);
        return results;
      },
    };
  }

  /** Read what Syncline set before on the records these writes update, so a link it set can follow the attendees. */
  private async recallOwnLinks(writes: readonly Write<CrmRecord>[]): Promise<void> {
    const memory = this.options.memory;
    if (memory === undefined) {
      return;
    }
    const ids = writes.flatMap((write) => (write.op === 'update' && this.prepared.has(write.ref) ? [write.id] : []));
    for (const id of ids) {
      try {
        const rows = await memory.listLinkExplanations(this.options.orgId, id);
        const setId = (field: string) => {
          const row = rows.find((candidate) => candidate.use === LINK_SET_USE && candidate.rule === field);
          return row === undefined ? null : SET_ID.exec(row.detail)?.[1] ?? null;
        };
        this.ours.set(id, { whoId: setId('WhoId'), whatId: setId('WhatId') });
      } catch (error) {
        // Without the memory, the record's links are treated as set by a person and stay.
        this.logger?.warn({ recordId: id, err: error }, 'Could not read which links Syncline set on a meeting; its links stay as they are');
      }
    }
  }

  /** Remember which WhoId and WhatId Syncline wrote, per record, for the next update of the meeting. */
  private async rememberOwnLinks(writes: readonly Write<CrmRecord>[], results: readonly WriteResult[]): Promise<void> {
    const memory = this.options.memory;
    if (memory === undefined) {
      return;
    }
    const at = new Date().toISOString();
    const rows: StoredExplanation[] = [];
    for (const write of writes) {
      const written = results.find((result) => result.ref === write.ref);
      if (written === undefined || !written.ok || write.op === 'delete' || !this.prepared.has(write.ref)) {
        continue;
      }
      for (const [field, id] of Object.entries(linksAfter(write))) {
        rows.push({
          orgId: this.options.orgId,
          recordId: written.id,
          object: this.options.activity,
          use: LINK_SET_USE,
          rule: field,
          detail: id === null ? `Syncline left the ${field} empty` : `Syncline set the ${field} to ${id}`,
          activity: this.options.activity,
          at,
        });
      }
    }
    if (rows.length === 0) {
      return;
    }
    try {
      await memory.recordLinkExplanations(rows);
    } catch (error) {
      this.logger?.warn({ records: rows.length, err: error }, 'Could not store which links Syncline set on meetings; a later attendee change leaves those links as they are');
    }
  }

  private withLinks(write: Write<CrmRecord>): Write<CrmRecord> {
    const result = this.prepared.get(write.ref);
    if (result === undefined || write.op === 'delete') {
      return write;
    }
    if (write.op === 'create') {
      return { ...write, item: { ...write.item, ...linkFieldValues(result) } };
    }
    const current = this.current.get(write.id);
    if (current === undefined) {
      return write;
    }
    const ours = this.ours.get(write.id) ?? NO_LINKS;
    const values = linkFieldValues(result, current, ours);
    if (result.whoId !== null && current.whoId !== null && current.whoId !== result.whoId && current.whoId !== ours.whoId) {
      this.logger?.info({ syncId: write.ref, recordId: write.id, whoId: current.whoId }, 'Kept the WhoId set in Salesforce instead of the matched person');
    }
    return { ...write, patch: { ...write.patch, ...values } };
  }
}

/** Return the WhoId and WhatId a write sets on its record: both for a create, the written ones for an update. */
function linksAfter(write: Write<CrmRecord>): Partial<Record<'WhoId' | 'WhatId', string | null>> {
  let values: Partial<CrmRecord> = {};
  if (write.op === 'create') {
    values = write.item;
  } else if (write.op === 'update') {
    values = write.patch;
  }
  const after: Partial<Record<'WhoId' | 'WhatId', string | null>> = {};
  for (const field of ['WhoId', 'WhatId'] as const) {
    if (field in values) {
      after[field] = idOrNull(values[field]);
    } else if (write.op === 'create') {
      after[field] = null;
    }
  }
  // An update that leaves a field alone keeps the memory of that field as it was.
  return after;
}

function idOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Write each link's reason to the session log; `syncline explain` shows the same reasons from the store. */
function logLink(logger: LinkingLogger, activity: LinkedActivity, syncId: string, result: LinkResult): void {
  for (const explanation of result.explanations) {
    logger.info(
      { activity, syncId, recordId: explanation.recordId, object: explanation.object, use: explanation.use, rule: explanation.rule, detail: explanation.detail },
      'Linking reason for a meeting',
    );
  }
}
