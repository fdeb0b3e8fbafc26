import { ConnectorError, isConnectorError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { GraphHttp } from './graph-http.ts';
import { Semaphore } from './semaphore.ts';
import { TokenProvider } from './token-provider.ts';

/**
 * Graph change notification subscriptions on a mailbox's calendar (`users/{id}/events`). A subscription makes Graph
 * POST a notification to the engine's webhook when an event is created, updated or deleted, so a session can run
 * ahead of its schedule. Subscriptions expire; the engine renews them before they do and creates them again when
 * Graph removed one. Every request carries `Prefer: IdType="ImmutableId"` (see graph-http.ts), so the ids in the
 * notifications stay valid when an item moves.
 */

export const GRAPH_CHANGE_TYPES = ['created', 'updated', 'deleted'] as const;
export type GraphChangeType = (typeof GRAPH_CHANGE_TYPES)[number];

/**
 * Lifetime asked for. Graph caps Outlook event subscriptions at 4,230 minutes in older documentation and 10,080 in
 * newer; under three days is within both, and renewal keeps the subscription alive either way.
 */
export const DEFAULT_SUBSCRIPTION_LIFETIME_MS = 4_200 * 60_000;

export interface GraphSubscriptionClientOptions {
  /** Graph version root, e.g. `https://graph.microsoft.com/v1.0`. */
  readonly graphBaseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Subscription requests in flight at once for the org. */
  readonly maxConcurrency?: number;
}

export interface NewSubscription {
  /** The mailbox's user id or principal name. */
  readonly userId: string;
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

export interface GraphSubscriptionClient {
  /** Create a subscription; Graph validates the notification URL before it answers. */
  create(subscription: NewSubscription): Promise<SubscriptionInfo>;
  /** Move the expiry; null when Graph no longer knows the subscription (it expired or was removed). */
  renew(subscriptionId: string, expirationDateTime: string): Promise<SubscriptionInfo | null>;
  /** Delete the subscription; one Graph no longer knows counts as deleted. */
  remove(subscriptionId: string): Promise<void>;
}

const DEFAULT_CONCURRENCY = 4;

export function createGraphSubscriptionClient(options: GraphSubscriptionClientOptions): GraphSubscriptionClient {
  const baseUrl = options.graphBaseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const logger = options.logger.child({ connector: 'graph', component: 'subscriptions' });
  const tokens = new TokenProvider({ ...options, fetch: doFetch, logger, sleep });
  const http = new GraphHttp({ baseUrl, tokens, fetch: doFetch, logger, semaphore: new Semaphore(options.maxConcurrency ?? DEFAULT_CONCURRENCY), sleep });
  const url = (id?: string) => (id === undefined ? `${baseUrl}/subscriptions` : `${baseUrl}/subscriptions/${encodeURIComponent(id)}`);

  return {
    async create(subscription) {
      const body = {
        changeType: subscription.changeTypes.join(','),
        notificationUrl: subscription.notificationUrl,
        lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
        resource: `users/${encodeURIComponent(subscription.userId)}/events`,
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
