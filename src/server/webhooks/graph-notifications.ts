import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { InstantSyncTrigger } from '../../config/resolved-config.ts';
import type { SessionTrigger } from '../../domain/mailbox-state.ts';
import { parseNotificationCollection, type GraphNotification, type LifecycleEvent } from '../../mailbox/graph/subscriptions-notifications.ts';
import type { GraphChangeType } from '../../mailbox/graph/subscriptions.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ServerRoutes } from '../create-server.ts';

/**
 * The webhook Graph calls for the engine's subscriptions: change notifications and lifecycle notifications arrive
 * here. Graph expects the response within 3 seconds, so the collection is acknowledged (202) first and handled
 * after the response left. The handling only decides which mailbox needs a session and asks the scheduler for it. A
 * notification whose clientState does not match the secret stored for its subscription is not from Graph: it is
 * counted, logged without the secret, and changes nothing.
 */
export const GRAPH_WEBHOOK_PATH = '/webhooks/graph';

export interface KnownSubscription {
  readonly mailboxId: string;
  readonly clientState: string;
}

/** Notifications handled since the server started. */
export interface WebhookCounters {
  accepted: number;
  /** Unknown subscription or wrong clientState: forged, or sent for a subscription the engine no longer has. */
  rejected: number;
}

export interface GraphWebhookOptions {
  /** The subscription Graph names, or null when it is not one of the engine's. */
  readonly lookupSubscription: (subscriptionId: string) => Promise<KnownSubscription | null>;
  /** Mailbox changes that start a session ahead of schedule: a fixed set, or a function giving the org's current set. */
  readonly triggers: ReadonlySet<InstantSyncTrigger> | ((mailboxId: string) => Promise<ReadonlySet<InstantSyncTrigger>>);
  /**
   * Called for a change notification whose type is not a trigger. Its subscription still requests a change type
   * that the org removed, so the subscription's owner may replace it.
   */
  readonly onUntriggeredChange?: (mailboxId: string) => void;
  readonly requestSession: (mailboxId: string, trigger: SessionTrigger) => void;
  /** Graph renews, removed or lost notifications of a subscription; the owner of the subscriptions acts on it. */
  readonly onLifecycle: (mailboxId: string, subscriptionId: string, event: LifecycleEvent) => void;
  readonly logger: Logger;
  /** Filled in as notifications arrive; give one to read the counts. */
  readonly counters?: WebhookCounters;
}

const TRIGGER_OF: Readonly<Record<GraphChangeType, InstantSyncTrigger>> = { created: 'create', updated: 'update', deleted: 'delete' };
/** Graph's validation tokens are short sentences; anything far longer is not a handshake. */
const MAX_VALIDATION_TOKEN_LENGTH = 1024;
/** Rejected notifications are logged at most once per this time, with the count since the last line. */
const REJECTION_LOG_INTERVAL_MS = 60_000;

export function graphNotificationRoutes(options: GraphWebhookOptions): ServerRoutes {
  const logger = options.logger.child({ component: 'graph-webhook' });
  const counters = options.counters ?? { accepted: 0, rejected: 0 };
  const rejections = rejectionLog(logger);

  return (app) => {
    app.post(GRAPH_WEBHOOK_PATH, async (request, reply) => {
      const token = validationToken(request);
      if (token !== null) {
        return reply.code(200).type('text/plain; charset=utf-8').send(token);
      }

      const notifications = parseNotificationCollection(request.body);
      if (notifications === null) {
        return reply.code(400).send({ error: 'expected a change notification collection: a JSON object with a value array' });
      }

      await reply.code(202).send();
      // After the response, so store look-ups do not count against Graph's 3-second limit.
      handleCollection(notifications, options, counters, rejections, logger).catch((error: unknown) => {
        logger.error({ err: error, notifications: notifications.length }, 'Graph notifications could not be handled; the scheduled sessions still read the changes');
      });
      return reply;
    });
  };
}

/** The handshake Graph sends when a subscription is created or moved: `?validationToken=…`, answered as plain text. */
function validationToken(request: FastifyRequest): string | null {
  const query = request.query as Record<string, unknown> | undefined;
  const token = query?.validationToken;
  if (typeof token !== 'string' || token.length > MAX_VALIDATION_TOKEN_LENGTH) {
    return null;
  }
  return token;
}

async function handleCollection(
  notifications: readonly GraphNotification[],
  options: GraphWebhookOptions,
  counters: WebhookCounters,
  rejections: (subscriptionId: string, known: boolean) => void,
  logger: Logger,
): Promise<void> {
  // A burst names one subscription many times; each is looked up once per collection.
  const known = new Map<string, KnownSubscription | null>();
  const triggersOf = new Map<string, ReadonlySet<InstantSyncTrigger>>();
  const requested = new Set<string>();
  const untriggered = new Set<string>();

  for (const notification of notifications) {
    const { subscriptionId } = notification;
    if (!known.has(subscriptionId)) {
      known.set(subscriptionId, await options.lookupSubscription(subscriptionId));
    }

    const subscription = known.get(subscriptionId) ?? null;
    if (subscription === null || !sameSecret(notification.clientState, subscription.clientState)) {
      counters.rejected += 1;
      rejections(subscriptionId, subscription !== null);
      continue;
    }

    counters.accepted += 1;
    if (notification.kind === 'lifecycle') {
      logger.info({ subscriptionId, mailboxId: subscription.mailboxId, lifecycleEvent: notification.lifecycleEvent }, 'Graph lifecycle notification');
      options.onLifecycle(subscription.mailboxId, subscriptionId, notification.lifecycleEvent);
      continue;
    }

    const { mailboxId } = subscription;
    let triggers = triggersOf.get(mailboxId);
    if (triggers === undefined) {
      triggers = typeof options.triggers === 'function' ? await options.triggers(mailboxId) : options.triggers;
      triggersOf.set(mailboxId, triggers);
    }
    if (!triggers.has(TRIGGER_OF[notification.changeType])) {
      logger.debug({ subscriptionId, changeType: notification.changeType }, 'Graph change type is not an instant-sync trigger; the scheduled session takes it');
      if (!untriggered.has(mailboxId)) {
        untriggered.add(mailboxId);
        options.onUntriggeredChange?.(mailboxId);
      }
      continue;
    }
    if (!requested.has(mailboxId)) {
      requested.add(mailboxId);
      options.requestSession(mailboxId, 'notification');
    }
    logger.debug({ subscriptionId, mailboxId, changeType: notification.changeType, itemId: notification.itemId }, 'Graph change notification');
  }
}

/** Log rejected notifications with a count, at most once a minute, so a flood of forged calls cannot flood the log. */
function rejectionLog(logger: Logger, now: () => number = Date.now): (subscriptionId: string, known: boolean) => void {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  return (subscriptionId, known) => {
    unlogged += 1;
    if (now() - lastLoggedAt < REJECTION_LOG_INTERVAL_MS) {
      return;
    }

    logger.warn(
      { subscriptionId, knownSubscription: known, rejected: unlogged },
      'Rejected Graph notifications: unknown subscription or wrong clientState (forged, or for a subscription the engine no longer keeps)',
    );
    lastLoggedAt = now();
    unlogged = 0;
  };
}

function sameSecret(received: string | null, expected: string): boolean {
  if (received === null) {
    return false;
  }

  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
