import { randomBytes } from 'node:crypto';
import type { MailboxSetting, OrgSetting } from '../config/resolved-config.ts';
import type { SessionTrigger } from '../domain/mailbox-state.ts';
import type { GraphClientOptions } from '../mailbox/graph/connector-options.ts';
import type { LifecycleEvent } from '../mailbox/graph/subscriptions-notifications.ts';
import {
  createGraphSubscriptionClient,
  DEFAULT_SUBSCRIPTION_LIFETIME_MS,
  type GraphChangeType,
  type GraphSubscriptionClient,
  type SubscribedResource,
} from '../mailbox/graph/subscriptions.ts';
import type { Logger } from '../observability/logger.ts';
import type { MailboxSubscription } from '../store/index.ts';

/**
 * Keeps one Graph change notification subscription per mailbox and watched resource (calendar, Inbox, Sent Items)
 * alive. Each is created at start, or renewed when the store has one, which also finds out whether Graph still has
 * it. It is renewed before it expires and again on `reauthorizationRequired` (a PATCH of the expiry reauthorizes and
 * renews in one request), and created anew when Graph removed it. A subscription whose change types differ from the
 * org's current instant-sync triggers is replaced at the next renewal round or `subscribeMailbox`, even before it is
 * due. When the org has no triggers left, it is deleted. A failure is logged and the mailbox keeps its scheduled
 * sessions; the next renewal round tries again.
 */

export interface SubscriptionRecords {
  loadMailboxSubscription(mailboxId: string, resource: string): Promise<MailboxSubscription | null>;
  listMailboxSubscriptions(mailboxId: string): Promise<MailboxSubscription[]>;
  saveMailboxSubscription(subscription: MailboxSubscription): Promise<void>;
  deleteMailboxSubscription(mailboxId: string, resource: string): Promise<void>;
}

export interface SubscriptionTiming {
  /** Lifetime asked for on create and renew. */
  readonly lifetimeMs: number;
  /** A subscription expiring within this time is renewed in the next round. */
  readonly renewBeforeMs: number;
  /** Time between renewal rounds. */
  readonly checkEveryMs: number;
}

const DEFAULT_TIMING: SubscriptionTiming = { lifetimeMs: DEFAULT_SUBSCRIPTION_LIFETIME_MS, renewBeforeMs: 24 * 3_600_000, checkEveryMs: 3_600_000 };
/** Mailboxes handled at once while a round walks every mailbox. */
const ROUND_CONCURRENCY = 4;

export interface SubscriptionKeeperOptions {
  readonly orgs: readonly OrgSetting[];
  readonly records: SubscriptionRecords;
  /** The webhook URL Graph calls for notifications and lifecycle notifications. */
  readonly webhookUrl: string;
  /** Change types the mailbox's subscriptions deliver now. An empty list means the mailbox has no subscriptions. */
  readonly changeTypesOf: (mailboxId: string) => Promise<readonly GraphChangeType[]>;
  /** Parts of each mailbox to watch. */
  readonly resources: readonly SubscribedResource[];
  /** How to reach one mailbox's Graph: app-only or its owner's delegated grant. */
  readonly connectionFor: (org: OrgSetting, mailbox: MailboxSetting) => GraphClientOptions;
  readonly requestSession: (mailboxId: string, trigger: SessionTrigger) => void;
  readonly logger: Logger;
  readonly timing?: Partial<SubscriptionTiming>;
  readonly now?: () => number;
}

export interface SubscriptionKeeper {
  /** Create or renew every mailbox's subscriptions; resolves when each has been tried once. */
  start(): Promise<void>;
  handleLifecycle(mailboxId: string, subscriptionId: string, event: LifecycleEvent): void;
  /**
   * Bring the mailbox's subscriptions in line now instead of at the next round: create missing ones (e.g. once its
   * owner signed in), and replace or delete those whose change types the org's triggers no longer match.
   */
  subscribeMailbox(mailboxId: string): void;
  /** Stop the renewal rounds and wait for requests in flight; subscriptions stay so a restart renews them. */
  stop(): Promise<void>;
}

interface KeptMailbox {
  readonly setting: MailboxSetting;
  readonly client: GraphSubscriptionClient;
}

export function createSubscriptionKeeper(options: SubscriptionKeeperOptions): SubscriptionKeeper {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'instant-sync-mailbox' });
  const mailboxes = indexMailboxes(options, logger);
  /** One operation per mailbox at a time, so a lifecycle notification never races a renewal round. */
  const queues = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const enqueue = (mailboxId: string, work: () => Promise<void>): Promise<void> => {
    const next = (queues.get(mailboxId) ?? Promise.resolve()).then(work).catch((error: unknown) => {
      logger.warn({ mailboxId, err: error }, 'Graph change notification subscription failed; the mailbox keeps its scheduled sessions');
    });
    queues.set(mailboxId, next);
    void next.then(() => {
      if (queues.get(mailboxId) === next) {
        queues.delete(mailboxId);
      }
    });
    return next;
  };

  const expiry = () => new Date(now() + timing.lifetimeMs).toISOString();

  const create = async (mailboxId: string, kept: KeptMailbox, resource: SubscribedResource, changeTypes: readonly GraphChangeType[]): Promise<void> => {
    const clientState = randomBytes(32).toString('base64url');
    const created = await kept.client.create({
      resource,
      changeTypes,
      notificationUrl: options.webhookUrl,
      lifecycleNotificationUrl: options.webhookUrl,
      clientState,
      expirationDateTime: expiry(),
    });
    await options.records.saveMailboxSubscription({ mailboxId, resource, subscriptionId: created.id, clientState, changeTypes, expiresAt: created.expirationDateTime });
    logger.info({ mailboxId, resource, subscriptionId: created.id, changeTypes, expiresAt: created.expirationDateTime }, 'Graph change notification subscription created');
  };

  /**
   * Renew the stored subscription, or create one when there is none, it covers other change types, or Graph lost it.
   * Without change types, delete it.
   */
  const ensure = async (mailboxId: string, kept: KeptMailbox, resource: SubscribedResource, force: boolean): Promise<void> => {
    const [stored, changeTypes] = await Promise.all([options.records.loadMailboxSubscription(mailboxId, resource), options.changeTypesOf(mailboxId)]);
    if (changeTypes.length === 0) {
      // Graph rejects a subscription without a change type, and the org requests no notifications.
      if (stored !== null) {
        await kept.client.remove(stored.subscriptionId);
        await options.records.deleteMailboxSubscription(mailboxId, resource);
        logger.info({ mailboxId, resource, subscriptionId: stored.subscriptionId }, 'Graph change notification subscription deleted: the org has no instant sync triggers');
      }
      return;
    }
    const sameChangeTypes = stored !== null && sameTypes(stored.changeTypes, changeTypes);
    if (stored !== null && sameChangeTypes && !force && Date.parse(stored.expiresAt) - now() > timing.renewBeforeMs) {
      return;
    }
    if (stored !== null && sameChangeTypes) {
      const renewed = await kept.client.renew(stored.subscriptionId, expiry());
      if (renewed !== null) {
        await options.records.saveMailboxSubscription({ ...stored, expiresAt: renewed.expirationDateTime });
        logger.debug({ mailboxId, resource, subscriptionId: stored.subscriptionId, expiresAt: renewed.expirationDateTime }, 'Graph change notification subscription renewed');
        return;
      }
      logger.info({ mailboxId, resource, subscriptionId: stored.subscriptionId }, 'Graph no longer knows the subscription; creating a new one');
    } else if (stored !== null) {
      // Graph cannot change a subscription's change types, so it is replaced.
      logger.info({ mailboxId, resource, subscriptionId: stored.subscriptionId, from: stored.changeTypes, to: changeTypes }, "Graph change notification subscription replaced: the org's instant sync triggers changed");
      await kept.client.remove(stored.subscriptionId);
    }
    await options.records.deleteMailboxSubscription(mailboxId, resource);
    await create(mailboxId, kept, resource, changeTypes);
  };

  /** Delete the subscriptions of resources no longer watched, at Graph and in the store. */
  const dropUnwatched = async (mailboxId: string, kept: KeptMailbox): Promise<void> => {
    for (const stored of await options.records.listMailboxSubscriptions(mailboxId)) {
      if (!options.resources.some((resource) => resource === stored.resource)) {
        await kept.client.remove(stored.subscriptionId);
        await options.records.deleteMailboxSubscription(mailboxId, stored.resource);
        logger.info({ mailboxId, resource: stored.resource, subscriptionId: stored.subscriptionId }, 'Graph change notification subscription deleted: its resource is no longer watched');
      }
    }
  };

  const round = async (atStart: boolean): Promise<void> => {
    const ids = [...mailboxes.keys()];
    const worker = async (): Promise<void> => {
      for (let id = ids.shift(); id !== undefined && !stopped; id = ids.shift()) {
        const kept = mailboxes.get(id);
        if (!kept) {
          continue;
        }
        const mailboxId = id;
        await enqueue(mailboxId, async () => {
          if (atStart) {
            await dropUnwatched(mailboxId, kept);
          }
          // Each resource on its own, so a folder Graph refuses does not keep the calendar unwatched.
          for (const resource of options.resources) {
            await ensure(mailboxId, kept, resource, atStart).catch((error: unknown) => {
              logger.warn({ mailboxId, resource, err: error }, 'Graph change notification subscription failed; the mailbox keeps its scheduled sessions');
            });
          }
        });
      }
    };
    await Promise.all(Array.from({ length: ROUND_CONCURRENCY }, worker));
  };

  const scheduleRound = (): void => {
    if (stopped) {
      return;
    }
    timer = setTimeout(() => {
      void round(false).finally(scheduleRound);
    }, timing.checkEveryMs);
    timer.unref();
  };

  return {
    async start() {
      // Renewing every stored subscription at start also learns which ones Graph forgot while the engine was down.
      await round(true);
      scheduleRound();
    },

    handleLifecycle(mailboxId, subscriptionId, event) {
      const kept = mailboxes.get(mailboxId);
      if (!kept || stopped) {
        return;
      }
      if (event === 'missed') {
        // Graph dropped notifications it could not deliver: a session reads whatever they would have announced.
        options.requestSession(mailboxId, 'force');
        return;
      }

      void enqueue(mailboxId, async () => {
        const stored = (await options.records.listMailboxSubscriptions(mailboxId)).find((candidate) => candidate.subscriptionId === subscriptionId);
        const resource = options.resources.find((candidate) => candidate === stored?.resource);
        if (stored === undefined || resource === undefined) {
          return;
        }
        if (event === 'subscriptionRemoved') {
          await options.records.deleteMailboxSubscription(mailboxId, resource);
          const changeTypes = await options.changeTypesOf(mailboxId);
          if (changeTypes.length > 0) {
            await create(mailboxId, kept, resource, changeTypes);
          }
          // Changes made between the removal and the new subscription sent no notification.
          options.requestSession(mailboxId, 'force');
          return;
        }
        await ensure(mailboxId, kept, resource, true);
      });
    },

    subscribeMailbox(mailboxId) {
      const kept = mailboxes.get(mailboxId);
      if (!kept || stopped) {
        return;
      }
      for (const resource of options.resources) {
        void enqueue(mailboxId, () => ensure(mailboxId, kept, resource, false));
      }
    },

    async stop() {
      stopped = true;
      if (timer) {
        clearTimeout(timer);
      }
      await Promise.all([...queues.values()]);
    },
  };
}

function indexMailboxes(options: SubscriptionKeeperOptions, logger: Logger): Map<string, KeptMailbox> {
  const result = new Map<string, KeptMailbox>();
  for (const org of options.orgs) {
    for (const setting of org.mailboxes) {
      try {
        const connection = options.connectionFor(org, setting);
        const client = createGraphSubscriptionClient({ ...connection, logger: connection.logger.child({ org: org.id, mailboxId: setting.id }) });
        result.set(setting.id, { setting, client });
      } catch (error) {
        logger.error({ org: org.id, mailboxId: setting.id, err: error }, 'Graph change notifications are off for this mailbox; it keeps its scheduled sessions');
      }
    }
  }
  return result;
}

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((type) => b.includes(type));
}
