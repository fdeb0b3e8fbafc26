import type { CalendarEvent, Person } from '../domain/calendar-event.ts';
import type { CrmRecord, ItemSnapshot, ItemSource, PullResult, SyncWindow, Write, WriteResult } from '../domain/connector.ts';
import { isConnectorError } from '../domain/errors.ts';
import type { LinkRequest, LinkResolver, LinkResult, PersonRef, PersonRole } from '../domain/linking.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import type { LinkingLogger } from './ports.ts';

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
  };
}

/**
 * Return the WhoId and WhatId to write, given what the record has now (nothing, for a create). Only empty fields are
 * filled, so a link a person set in Salesforce is never replaced. A WhatId is added only next to the WhoId it was
 * found for, and never next to a Lead.
 */
export function linkFieldValues(result: LinkResult, current: CurrentLinks = NO_LINKS): { WhoId?: string; WhatId?: string } {
  const values: { WhoId?: string; WhatId?: string } = {};
  let whoIdAfter = current.whoId;
  if (whoIdAfter === null && result.whoId !== null && !(current.whatId !== null && isLeadId(result.whoId))) {
    values.WhoId = result.whoId;
    whoIdAfter = result.whoId;
  }
  if (current.whatId === null && result.whatId !== null && whoIdAfter === result.whoId && !(whoIdAfter !== null && isLeadId(whoIdAfter))) {
    values.WhatId = result.whatId;
  }
  return values;
}

function isLeadId(id: string): boolean {
  return id.startsWith(LEAD_PREFIX);
}

/** The Salesforce record source of an activity kind, as the engine builds it. */
export type ActivitySource = ItemSource<CrmRecord> & { recordUrl(id: string): string };

export interface ActivityLinkerOptions {
  readonly orgId: string;
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
        return source.applyWrites(writes.map((write) => this.withLinks(write)));
      },
    };
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
    const values = linkFieldValues(result, current);
    if (result.whoId !== null && current.whoId !== null && current.whoId !== result.whoId) {
      this.logger?.info({ syncId: write.ref, recordId: write.id, whoId: current.whoId }, 'Kept the WhoId set in Salesforce instead of the matched person');
    }
    return { ...write, patch: { ...write.patch, ...values } };
  }
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
