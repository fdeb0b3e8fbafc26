import { randomBytes } from 'node:crypto';
import type { MailboxSetting, OrgSetting } from '../config/resolved-config.ts';
import type { SessionTrigger } from '../domain/mailbox-state.ts';
import type { LifecycleEvent } from '../mailbox/graph/subscriptions-notifications.ts';
import { createGraphSubscriptionClient, DEFAULT_SUBSCRIPTION_LIFETIME_MS, type GraphChangeType, type GraphSubscriptionClient } from '../mailbox/graph/subscriptions.ts';
import type { Logger } from '../observability/logger.ts';
import type { MailboxSubscription } from '../store/index.ts';

/**
 * Keeps one Graph change notification subscription per mailbox alive: created at start (or renewed when the store
 * has one, which also finds out whether Graph still knows it), renewed before it expires, renewed again when Graph
 * asks for reauthorization, and created anew when Graph removed it. A failure is logged and the mailbox keeps its
 * scheduled sessions; the next renewal round tries again.
 */

export interface SubscriptionRecords {
  loadMailboxSubscription(mailboxId: string): Promise<MailboxSubscription | null>;
  saveMailboxSubscription(subscription: MailboxSubscription): Promise<void>;
  deleteMailboxSubscription(mailboxId: string): Promise<void>;
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
/** Subscription requests at once while a round walks every mailbox. */
const ROUND_CONCURRENCY = 4;

export interface SubscriptionKeeperOptions {
  readonly orgs: readonly OrgSetting[];
  readonly records: SubscriptionRecords;
  /** The webhook URL Graph calls for notifications and lifecycle notifications. */
  readonly webhookUrl: string;
  readonly changeTypes: readonly GraphChangeType[];
  readonly requestSession: (mailboxId: string, trigger: SessionTrigger) => void;
  readonly logger: Logger;
  readonly timing?: Partial<SubscriptionTiming>;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

export interface SubscriptionKeeper {
  /** Create or renew every mailbox's subscription; resolves when each has been tried once. */
  start(): Promise<void>;
  handleLifecycle(mailboxId: string, subscriptionId: string, event: LifecycleEvent): void;
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
  /** One operation per mailbox at a time, so a lifecycle notice never races a renewal round. */
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

  const create = async (mailboxId: string, kept: KeptMailbox): Promise<void> => {
    const clientState = randomBytes(32).toString('base64url');
    const created = await kept.client.create({
      userId: kept.setting.address,
      changeTypes: options.changeTypes,
      notificationUrl: options.webhookUrl,
      lifecycleNotificationUrl: options.webhookUrl,
      clientState,
      expirationDateTime: expiry(),
    });
    await options.records.saveMailboxSubscription({ mailboxId, subscriptionId: created.id, clientState, changeTypes: options.changeTypes, expiresAt: created.expirationDateTime });
    logger.info({ mailboxId, subscriptionId: created.id, expiresAt: created.expirationDateTime }, 'Graph change notification subscription created');
  };

  /** Renew the stored subscription, or create one when there is none, it covers other change types, or Graph lost it. */
  const ensure = async (mailboxId: string, kept: KeptMailbox, force: boolean): Promise<void> => {
    const stored = await options.records.loadMailboxSubscription(mailboxId);
    if (stored !== null && !force && Date.parse(stored.expiresAt) - now() > timing.renewBeforeMs) {
      return;
    }
    if (stored !== null && sameTypes(stored.changeTypes, options.changeTypes)) {
      const renewed = await kept.client.renew(stored.subscriptionId, expiry());
      if (renewed !== null) {
        await options.records.saveMailboxSubscription({ ...stored, expiresAt: renewed.expirationDateTime });
        logger.debug({ mailboxId, subscriptionId: stored.subscriptionId, expiresAt: renewed.expirationDateTime }, 'Graph change notification subscription renewed');
        return;
      }
      logger.info({ mailboxId, subscriptionId: stored.subscriptionId }, 'Graph no longer knows the subscription; creating a new one');
    } else if (stored !== null) {
      await kept.client.remove(stored.subscriptionId);
    }
    await options.records.deleteMailboxSubscription(mailboxId);
    await create(mailboxId, kept);
  };

  const round = async (force: boolean): Promise<void> => {
    const ids = [...mailboxes.keys()];
    const worker = async (): Promise<void> => {
      for (let id = ids.shift(); id !== undefined && !stopped; id = ids.shift()) {
        const kept = mailboxes.get(id);
        if (kept) {
          await enqueue(id, () => ensure(id, kept, force));
        }
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
        const stored = await options.records.loadMailboxSubscription(mailboxId);
        if (stored?.subscriptionId !== subscriptionId) {
          return;
        }
        if (event === 'subscriptionRemoved') {
          await options.records.deleteMailboxSubscription(mailboxId);
          await create(mailboxId, kept);
          // Changes made between the removal and the new subscription sent no notification.
          options.requestSession(mailboxId, 'force');
          return;
        }
        await ensure(mailboxId, kept, true);
      });
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
    const client = createGraphSubscriptionClient({
      graphBaseUrl: org.graph.graphBaseUrl,
      tokenUrl: org.graph.tokenUrl,
      clientId: org.graph.clientId,
      clientSecret: org.graph.clientSecret,
      logger: logger.child({ org: org.id }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    for (const setting of org.mailboxes) {
      result.set(setting.id, { setting, client });
    }
  }
  return result;
}

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((type) => b.includes(type));
}
