import { randomUUID } from 'node:crypto';
import type { TokenIdentity } from './access-tokens.ts';
import type { EventRecord, UserRecord } from './event-record.ts';
import { authorizeMailbox } from './graph-auth.ts';
import { GraphError } from './graph-error.ts';
import type { MessageRecord } from './mail-record.ts';
import type { MailboxStore } from './mailbox-store.ts';
import { NotificationDelivery, validateEndpoint } from './subscription-delivery.ts';

/**
 * Change notification subscriptions on Outlook events and messages (`POST /subscriptions` with a resource such as
 * `users/{id}/events`, `users/{id}/messages` or `users/{id}/mailFolders('inbox')/messages`), kept in memory: a
 * restart of the emulator forgets them, as if Graph had removed them. An item created, updated or deleted in a
 * subscribed mailbox (or folder) sends a change notification to the subscriber. A message moved between folders is
 * `deleted` for its old folder's subscriptions and `created` for its new folder's.
 */

export const CHANGE_TYPES = ['created', 'updated', 'deleted'] as const;
type ChangeType = (typeof CHANGE_TYPES)[number];
export const LIFECYCLE_EVENTS = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'] as const;
type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** Graph's limit for Outlook message, event and contact subscriptions: 10,080 minutes, just under 7 days. */
const MAX_LIFETIME_MINUTES = 10_080;
/** Graph's documented maximum length of clientState. */
const MAX_CLIENT_STATE_LENGTH = 128;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

interface SubscriptionRecord {
  readonly id: string;
  readonly resource: string;
  readonly userId: string;
  readonly itemKind: 'events' | 'messages';
  /** For messages: the folder watched, null for the whole mailbox. */
  readonly folderId: string | null;
  readonly changeTypes: ReadonlySet<ChangeType>;
  readonly applicationId: string;
  readonly clientState: string | null;
  notificationUrl: string;
  readonly lifecycleNotificationUrl: string | null;
  expirationMs: number;
}

export interface CreateContext {
  readonly body: unknown;
  /** Who the request's token acts for: the subscription belongs to its app and must reach the mailbox. */
  readonly identity: TokenIdentity;
}

/** A mailbox folder by id or well-known name (`inbox`, `sentitems`), as the mail store resolves it. */
export type FolderResolver = (userId: string, idOrWellKnownName: string) => { readonly id: string } | null;

export class SubscriptionService {
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private readonly delivery = new NotificationDelivery();
  private readonly closing = new AbortController();
  /** The emulator answers for one tenant; notifications name it as Graph does. */
  readonly tenantId = randomUUID();

  /** Set by the server once the mail store exists; without it, folder subscriptions are rejected. */
  folderOf: FolderResolver = () => null;

  constructor(private readonly store: MailboxStore) {}

  async create(context: CreateContext): Promise<SubscriptionRecord> {
    const body = asObject(context.body);
    const target = this.resolveResource(body.resource, context.identity);
    const record: SubscriptionRecord = {
      id: randomUUID(),
      resource: String(body.resource),
      ...target,
      changeTypes: parseChangeTypes(body.changeType),
      applicationId: context.identity.clientId,
      clientState: parseClientState(body.clientState),
      notificationUrl: parseEndpoint(body.notificationUrl, 'notificationUrl'),
      lifecycleNotificationUrl: body.lifecycleNotificationUrl == null ? null : parseEndpoint(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl'),
      expirationMs: parseExpiration(body.expirationDateTime),
    };
    if (body.includeResourceData === true) {
      throw new GraphError(400, 'InvalidRequest', 'includeResourceData requires an encryptionCertificate, which this emulator does not support.');
    }

    await this.validate(record.notificationUrl);
    if (record.lifecycleNotificationUrl !== null && record.lifecycleNotificationUrl !== record.notificationUrl) {
      await this.validate(record.lifecycleNotificationUrl);
    }
    this.subscriptions.set(record.id, record);
    return record;
  }

  /** Renew (new `expirationDateTime`) or move (new `notificationUrl`, validated again) a live subscription. */
  async update(id: string, applicationId: string, body: unknown): Promise<SubscriptionRecord> {
    const record = this.require(id, applicationId);
    const patch = asObject(body);
    const expirationMs = patch.expirationDateTime === undefined ? record.expirationMs : parseExpiration(patch.expirationDateTime);
    const notificationUrl = patch.notificationUrl === undefined ? record.notificationUrl : parseEndpoint(patch.notificationUrl, 'notificationUrl');
    if (notificationUrl !== record.notificationUrl) {
      await this.validate(notificationUrl);
    }

    record.expirationMs = expirationMs;
    record.notificationUrl = notificationUrl;
    return record;
  }

  get(id: string, applicationId: string): SubscriptionRecord {
    return this.require(id, applicationId);
  }

  list(applicationId: string): SubscriptionRecord[] {
    return this.live().filter((record) => record.applicationId === applicationId);
  }

  remove(id: string, applicationId: string): void {
    this.require(id, applicationId);
    this.subscriptions.delete(id);
  }

  /** Every live subscription, for the admin API. */
  live(): SubscriptionRecord[] {
    const now = Date.now();
    for (const [id, record] of this.subscriptions) {
      if (record.expirationMs <= now) {
        this.subscriptions.delete(id);
      }
    }
    return [...this.subscriptions.values()];
  }

  /** Called by the mailbox store on every stored change of an event. */
  notifyChange(event: EventRecord, changeType: ChangeType): void {
    for (const record of this.live()) {
      if (record.itemKind !== 'events' || record.userId !== event.ownerId || !record.changeTypes.has(changeType)) {
        continue;
      }
      this.delivery.enqueue(record.notificationUrl, this.changeNotification(record, event, changeType));
    }
  }

  /** Called by the mail store on every stored change of a message, moves included. */
  notifyMessageChange(message: MessageRecord, changeType: ChangeType): void {
    const previousFolder = movedFrom(message, changeType);
    for (const record of this.live()) {
      if (record.itemKind !== 'messages' || record.userId !== message.ownerId) {
        continue;
      }

      // For a folder subscription, a move out is a delete and a move in is a create.
      let seen: ChangeType | null = changeType;
      if (record.folderId !== null && previousFolder !== null) {
        seen = record.folderId === previousFolder ? 'deleted' : record.folderId === message.parentFolderId ? 'created' : null;
      } else if (record.folderId !== null && record.folderId !== message.parentFolderId) {
        seen = null;
      }
      if (seen !== null && record.changeTypes.has(seen)) {
        this.delivery.enqueue(record.notificationUrl, this.messageNotification(record, message, seen));
      }
    }
  }

  /**
   * Send a lifecycle notification to the subscriptions' lifecycle endpoints (all live ones, or one). Graph removes a
   * subscription before it says `subscriptionRemoved`, so that one stops here too. Returns how many were sent.
   */
  sendLifecycle(lifecycleEvent: LifecycleEvent, subscriptionId?: string): number {
    let sent = 0;
    for (const record of this.live()) {
      if (subscriptionId !== undefined && record.id !== subscriptionId) {
        continue;
      }
      if (lifecycleEvent === 'subscriptionRemoved') {
        this.subscriptions.delete(record.id);
      }
      if (record.lifecycleNotificationUrl === null) {
        continue;
      }

      this.delivery.enqueue(record.lifecycleNotificationUrl, {
        subscriptionId: record.id,
        subscriptionExpirationDateTime: graphInstant(record.expirationMs),
        tenantId: this.tenantId,
        clientState: record.clientState,
        lifecycleEvent,
      });
      sent += 1;
    }
    return sent;
  }

  deliveryStats(): { delivered: number; failed: number } {
    return { delivered: this.delivery.delivered, failed: this.delivery.failed };
  }

  close(): void {
    this.closing.abort();
    this.delivery.close();
  }

  /** The subscription as Graph renders it. */
  render(record: SubscriptionRecord, origin: string): Record<string, unknown> {
    return {
      '@odata.context': `${origin}/v1.0/$metadata#subscriptions/$entity`,
      id: record.id,
      resource: record.resource,
      applicationId: record.applicationId,
      changeType: [...record.changeTypes].join(','),
      clientState: record.clientState,
      notificationUrl: record.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: record.lifecycleNotificationUrl,
      expirationDateTime: graphInstant(record.expirationMs),
      creatorId: record.applicationId,
      includeResourceData: false,
      latestSupportedTlsVersion: 'v1_2',
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
      notificationContentType: 'application/json',
    };
  }

  private changeNotification(record: SubscriptionRecord, event: EventRecord, changeType: ChangeType): Record<string, unknown> {
    const path = `Users/${record.userId}/Events/${event.id}`;
    return {
      subscriptionId: record.id,
      subscriptionExpirationDateTime: graphInstant(record.expirationMs),
      changeType,
      resource: path,
      resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': path, '@odata.etag': `W/"${event.changeKey}"`, id: event.id },
      clientState: record.clientState,
      tenantId: this.tenantId,
    };
  }

  private messageNotification(record: SubscriptionRecord, message: MessageRecord, changeType: ChangeType): Record<string, unknown> {
    const path = `Users/${record.userId}/Messages/${message.id}`;
    return {
      subscriptionId: record.id,
      subscriptionExpirationDateTime: graphInstant(record.expirationMs),
      changeType,
      resource: path,
      resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': path, '@odata.etag': `W/"${message.changeKey}"`, id: message.id },
      clientState: record.clientState,
      tenantId: this.tenantId,
    };
  }

  private require(id: string, applicationId: string): SubscriptionRecord {
    const record = this.live().find((candidate) => candidate.id === id && candidate.applicationId === applicationId);
    if (!record) {
      throw new GraphError(404, 'ResourceNotFound', `The subscription '${id}' was not found; it expired, was deleted or never existed.`);
    }
    return record;
  }

  /**
   * `users/{id or principal name}/events` (or `…/calendar/events`), `…/messages`, `…/mailFolders('{folder}')/messages`
   * or `…/mailFolders/{folder}/messages`, with or without a leading slash; `me/…` for a delegated token.
   */
  private resolveResource(resource: unknown, identity: TokenIdentity): Pick<SubscriptionRecord, 'userId' | 'itemKind' | 'folderId'> {
    if (typeof resource !== 'string' || resource.trim() === '') {
      throw new GraphError(400, 'InvalidRequest', "The property 'resource' is required, e.g. users/{id}/events.");
    }

    const match = RESOURCE_PATTERN.exec(resource.trim());
    const owner = match?.groups?.owner;
    if (!match?.groups || owner === undefined) {
      throw new GraphError(400, 'InvalidRequest', `The resource '${resource}' is not supported by this emulator; subscribe to users/{id}/events, users/{id}/messages or users/{id}/mailFolders('inbox')/messages.`);
    }

    const user = this.ownerOf(owner, identity);
    const denied = authorizeMailbox(identity, user);
    if (denied) {
      throw denied;
    }

    const folder = match.groups.quotedFolder ?? match.groups.folder;
    if (match.groups.events !== undefined) {
      return { userId: user.id, itemKind: 'events', folderId: null };
    }
    if (folder === undefined) {
      return { userId: user.id, itemKind: 'messages', folderId: null };
    }

    const found = this.folderOf(user.id, decodeURIComponent(folder));
    if (!found) {
      throw new GraphError(404, 'ErrorItemNotFound', `The mail folder '${folder}' was not found in the mailbox.`);
    }
    return { userId: user.id, itemKind: 'messages', folderId: found.id };
  }

  private ownerOf(owner: string, identity: TokenIdentity): UserRecord {
    let idOrName = decodeURIComponent(owner.replace(/^users\//i, ''));
    if (owner.toLowerCase() === 'me') {
      if (identity.kind !== 'user') {
        throw new GraphError(400, 'InvalidRequest', '/me needs a signed-in user; app-only subscriptions name users/{id}.');
      }
      idOrName = identity.userId;
    }

    const user = this.store.findUser(idOrName);
    if (!user) {
      throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${idOrName}' is invalid.`);
    }
    return user;
  }

  private async validate(url: string): Promise<void> {
    const outcome = await validateEndpoint(url, this.closing.signal);
    if (outcome.ok) {
      return;
    }
    if (outcome.timedOut) {
      throw new GraphError(400, 'InvalidRequest', 'Subscription validation request timed out.');
    }
    throw new GraphError(
      400,
      'InvalidRequest',
      `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request (${outcome.detail}).`,
    );
  }
}

const RESOURCE_PATTERN =
  /^\/?(?<owner>me|users\/[^/]+)\/(?:(?<events>(?:calendar\/)?events)|(?:mailFolders(?:\('(?<quotedFolder>[^']+)'\)|\/(?<folder>[^/]+))\/)?messages)$/i;

/** Return the folder a message just left when this change is a move, else null. */
function movedFrom(message: MessageRecord, changeType: ChangeType): string | null {
  const stays = message.folderStays;
  const last = stays[stays.length - 1];
  const previous = stays[stays.length - 2];
  if (changeType !== 'updated' || last === undefined || previous === undefined || last.fromSeq !== message.seq) {
    return null;
  }
  return previous.folderId;
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GraphError(400, 'BadRequest', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function parseChangeTypes(value: unknown): Set<ChangeType> {
  const parts = typeof value === 'string' ? value.split(',').map((part) => part.trim()) : [];
  const known = parts.filter((part): part is ChangeType => (CHANGE_TYPES as readonly string[]).includes(part));
  if (parts.length === 0 || known.length !== parts.length) {
    throw new GraphError(400, 'InvalidRequest', `changeType '${String(value)}' is invalid; use a comma-separated list of created, updated, deleted.`);
  }
  return new Set(known);
}

function parseClientState(value: unknown): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== 'string' || value.length > MAX_CLIENT_STATE_LENGTH) {
    throw new GraphError(400, 'InvalidRequest', `clientState must be a string of at most ${MAX_CLIENT_STATE_LENGTH} characters.`);
  }
  return value;
}

/** Graph requires https; the emulator also takes http on loopback, where tests and the sandbox listen. */
function parseEndpoint(value: unknown, property: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new GraphError(400, 'InvalidRequest', `${property} '${String(value)}' is not an absolute URL.`);
  }

  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
  if (url.protocol !== 'https:' && !loopbackHttp) {
    throw new GraphError(400, 'InvalidRequest', `${property} must use https (http is accepted for loopback hosts only).`);
  }
  return url.toString();
}

function parseExpiration(value: unknown): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new GraphError(400, 'InvalidRequest', "expirationDateTime is required as an ISO 8601 instant, e.g. '2026-05-04T10:00:00Z'.");
  }

  const now = Date.now();
  if (ms <= now) {
    throw new GraphError(400, 'InvalidRequest', 'Subscription expiration must be in the future.');
  }
  if (ms > now + MAX_LIFETIME_MINUTES * 60_000) {
    throw new GraphError(400, 'InvalidRequest', `Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`);
  }
  return ms;
}

/** `2026-05-04T10:00:00.0000000Z`: Graph's seven fractional digits. */
function graphInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000Z`;
}
