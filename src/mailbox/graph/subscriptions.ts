import { ConnectorError, isConnectorError } from '../../domain/errors.ts';
import type { GraphClientOptions } from './connector-options.ts';
import { createGraphClient } from './graph-client.ts';

/**
 * Graph change notification subscriptions on one mailbox: its calendar (`users/{id}/events`) and its Inbox and Sent
 * Items (`users/{id}/mailFolders('inbox')/messages`, …). A subscription makes Graph POST a notification to the
 * engine's webhook when an item is created, updated or deleted, so a session can run ahead of its schedule.
 * Subscriptions expire; the engine renews them before they do and creates them again when Graph removed one. The
 * requests go through the mailbox's HTTP layer, so they carry `Prefer: IdType="ImmutableId"` like every other
 * request and count against the mailbox's limits.
 */

export const GRAPH_CHANGE_TYPES = ['created', 'updated', 'deleted'] as const;
export type GraphChangeType = (typeof GRAPH_CHANGE_TYPES)[number];

/** Parts of a mailbox a subscription can watch. */
export const SUBSCRIBED_RESOURCES = ['events', 'inbox', 'sentItems'] as const;
export type SubscribedResource = (typeof SUBSCRIBED_RESOURCES)[number];

/** Graph's well-known folder names, as the `mailFolders('…')` segment takes them. */
const FOLDER_OF: Readonly<Record<Exclude<SubscribedResource, 'events'>, string>> = { inbox: 'inbox', sentItems: 'sentitems' };

/** The `resource` of a subscription, relative to the version root. */
export function subscriptionResource(userId: string, resource: SubscribedResource): string {
  const user = `users/${encodeURIComponent(userId)}`;
  return resource === 'events' ? `${user}/events` : `${user}/mailFolders('${FOLDER_OF[resource]}')/messages`;
}

/**
 * Lifetime requested. Graph caps Outlook event and message subscriptions at 4,230 minutes in older documentation
 * and 10,080 in newer. Under three days is within both, and renewal keeps the subscription alive either way.
 */
export const DEFAULT_SUBSCRIPTION_LIFETIME_MS = 4_200 * 60_000;

export interface NewSubscription {
  readonly resource: SubscribedResource;
  readonly changeTypes: readonly GraphChangeType[];
  readonly notificationUrl: string;
  /** Where Graph sends `reauthorizationRequired`, `subscriptionRemoved` and `missed`. */
  readonly lifecycleNotificationUrl: string;
  /** A secret echoed in every notification, so the webhook can tell Graph's calls from forged ones. */
  readonly clientState: string;
  readonly expirationDateTime: string;
}

export interface SubscriptionInfo {
  readonly id: string;
  readonly expirationDateTime: string;
}

/** The subscriptions of one mailbox. */
export interface GraphSubscriptionClient {
  /** Create a subscription; Graph validates the notification URL before it answers. */
  create(subscription: NewSubscription): Promise<SubscriptionInfo>;
  /** Move the expiry, which also reauthorizes the subscription; null when Graph no longer has it. */
  renew(subscriptionId: string, expirationDateTime: string): Promise<SubscriptionInfo | null>;
  /** Delete the subscription; one Graph no longer knows counts as deleted. */
  remove(subscriptionId: string): Promise<void>;
}

export function createGraphSubscriptionClient(options: GraphClientOptions): GraphSubscriptionClient {
  const { http, baseUrl } = createGraphClient(options, 'subscriptions');
  const url = (id?: string) => (id === undefined ? `${baseUrl}/subscriptions` : `${baseUrl}/subscriptions/${encodeURIComponent(id)}`);

  return {
    async create(subscription) {
      const body = {
        changeType: subscription.changeTypes.join(','),
        notificationUrl: subscription.notificationUrl,
        lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
        resource: subscriptionResource(options.userId, subscription.resource),
        expirationDateTime: subscription.expirationDateTime,
        clientState: subscription.clientState,
        latestSupportedTlsVersion: 'v1_2',
      };
      // A repeated POST could leave a second subscription behind, so a failed create is not retried here.
      const response = await http.send({ method: 'POST', url: url(), body, idempotent: false, label: 'create subscription' });
      if (!response.ok && response.status === 400) {
        // Graph answers 400 when its validation call to the webhook failed, so the advice names the setting behind it.
        throw new ConnectorError({
          ...response.failure,
          message: `Graph rejected the change notification subscription (400 ${response.failure.code}). Graph must reach ${subscription.notificationUrl} and get the validation token back within 10 seconds; check server.publicUrl`,
        });
      }
      if (!response.ok) {
        throw new ConnectorError(response.failure);
      }
      return readInfo(response.body);
    },

    async renew(subscriptionId, expirationDateTime) {
      try {
        const response = await http.sendOrThrow({ method: 'PATCH', url: url(subscriptionId), body: { expirationDateTime }, idempotent: true, label: 'renew subscription' });
        return readInfo(response.body);
      } catch (error) {
        if (isConnectorError(error, 'notFound')) {
          return null;
        }
        throw error;
      }
    },

    async remove(subscriptionId) {
      try {
        await http.sendOrThrow({ method: 'DELETE', url: url(subscriptionId), idempotent: true, label: 'delete subscription' });
      } catch (error) {
        if (!isConnectorError(error, 'notFound')) {
          throw error;
        }
      }
    },
  };
}

function readInfo(body: unknown): SubscriptionInfo {
  const record = (body ?? {}) as { id?: unknown; expirationDateTime?: unknown };
  if (typeof record.id !== 'string' || typeof record.expirationDateTime !== 'string') {
    throw new ConnectorError({ kind: 'bug', code: 'UnexpectedSubscriptionBody', message: 'Graph answered a subscription request without id or expirationDateTime' });
  }
  return { id: record.id, expirationDateTime: new Date(record.expirationDateTime).toISOString() };
}
