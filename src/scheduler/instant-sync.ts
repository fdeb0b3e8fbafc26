import type { InstantSyncTrigger, SynclineConfig } from '../config/resolved-config.ts';
import type { ChangeStream } from '../domain/change-stream.ts';
import type { SessionTrigger } from '../domain/mailbox-state.ts';
import { sessionGoogleRefreshTokens } from '../mailbox/google/auth/google-refresh-tokens.ts';
import { sessionRefreshTokens } from '../mailbox/graph/auth/configured-refresh-tokens.ts';
import type { RefreshTokenStore } from '../mailbox/graph/auth/refresh-token-store.ts';
import { graphConnection } from '../mailbox/graph/graph-connection.ts';
import type { GraphChangeType } from '../mailbox/graph/subscriptions.ts';
import type { Logger } from '../observability/logger.ts';
import { createServer, type RunningServer, type ServerRoutes } from '../server/create-server.ts';
import { googlePushRoutes } from '../server/webhooks/google-push.ts';
import { configuredGoogleSignIn, googleSignInRoutes } from '../server/webhooks/google-sign-in.ts';
import { GRAPH_WEBHOOK_PATH, graphNotificationRoutes } from '../server/webhooks/graph-notifications.ts';
import { configuredSignIn, graphSignInRoutes, signInUrlOf } from '../server/webhooks/graph-sign-in.ts';
import type { SynclineStore } from '../store/index.ts';
import { createOrgChangeStream } from './instant-sync-change-stream.ts';
import { startEwsWatches } from './instant-sync-ews.ts';
import { createGoogleWatches } from './instant-sync-google.ts';
import { startImapWatches } from './instant-sync-imap.ts';
import { createSubscriptionKeeper, type SubscriptionKeeper, type SubscriptionTiming } from './instant-sync-subscriptions.ts';
import { mailboxesOfKind, watchScope, type MailboxWatches } from './instant-sync-watch.ts';

/**
 * Instant sync (SPEC S6): sessions ahead of schedule. Mailbox → Salesforce: Graph subscriptions and Google push
 * post to the webhooks, and EWS streaming subscriptions and IMAP IDLE keep connections open. Each requests a
 * session of the mailbox from the scheduler. Salesforce → mailbox: a change stream per org requests sessions of the
 * Events' owners. The scheduler merges bursts; nothing here runs a session itself.
 */

export interface SessionRequester {
  requestSession(mailboxId: string, trigger: SessionTrigger): void;
}

export interface InstantSyncOptions {
  readonly config: SynclineConfig;
  readonly store: SynclineStore;
  readonly scheduler: SessionRequester;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /**
   * Store of the delegated mailboxes' refresh tokens, which their subscriptions and sign-in need. Absent: built
   * from the store's encrypted credentials and the encryption key in `env`, when a mailbox is delegated.
   */
  readonly refreshTokens?: RefreshTokenStore;
  /** Store of the refresh tokens of Google mailboxes under user OAuth; absent: built like refreshTokens. */
  readonly googleRefreshTokens?: RefreshTokenStore;
  /** Environment variables with the credential encryption key; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** More routes for the same server, such as the HTTP API. */
  readonly routes?: readonly ServerRoutes[];
  /** Test hooks: subscription renewal times and the change streams' reconnect waits. */
  readonly subscriptionTiming?: Partial<SubscriptionTiming>;
  readonly streamBackoff?: { readonly baseMs: number; readonly maxMs: number };
  /** Test hooks of the EWS, IMAP and Google watches: waits before a failed watch is opened again, and shorter EWS connections. */
  readonly watchRetryDelaysMs?: readonly number[];
  readonly ewsConnectionTimeoutMinutes?: number;
}

export interface InstantSync {
  /** Where the HTTP server listens, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The URL given to Graph for notifications. */
  readonly webhookUrl: string;
  /** Promise that resolves once every subscription, watch and stream has been tried once. Failures are logged. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

const CHANGE_TYPE_OF: Readonly<Record<InstantSyncTrigger, GraphChangeType>> = { create: 'created', update: 'updated', delete: 'deleted' };
const DEFAULT_SERVER = { host: '127.0.0.1', port: 8787, publicUrl: null };

/**
 * Start the webhook server, then the Graph subscriptions, the EWS, IMAP and Google watches and the Salesforce change
 * streams in the background.
 */
export async function startInstantSync(options: InstantSyncOptions): Promise<InstantSync> {
  const { config, store, logger } = options;
  const scope = watchScope(config);
  const triggers = [...scope.triggers];
  const requestSession = (mailboxId: string, trigger: SessionTrigger) => options.scheduler.requestSession(mailboxId, trigger);
  const refreshTokens = options.refreshTokens ?? sessionRefreshTokens(config, store, options.env ?? process.env);
  const fetchOption = options.fetch === undefined ? {} : { fetch: options.fetch };
  const watchSettings = { ...scope, requestSession, logger, ...fetchOption, ...(options.watchRetryDelaysMs === undefined ? {} : { retryDelaysMs: options.watchRetryDelaysMs }) };
  const googleTokens = options.googleRefreshTokens ?? sessionGoogleRefreshTokens(config, store, options.env ?? process.env);
  const google = createGoogleWatches({ ...watchSettings, orgs: config.orgs, ...(googleTokens === undefined ? {} : { refreshTokens: googleTokens }) });

  let keeper: SubscriptionKeeper | null = null;
  // Delegated mailboxes' owners sign in through this server; its base URL is known once it listens.
  let baseUrl = '';
  const onSignedIn = (mailboxId: string): void => {
    requestSession(mailboxId, 'resume');
    keeper?.subscribeMailbox(mailboxId);
  };
  const signInDeps = { logger, baseUrl: () => baseUrl, onSignedIn, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
  const signIn = refreshTokens === undefined ? null : configuredSignIn(config, { ...signInDeps, refreshTokens });
  // A Google owner's sign-in resumes the mailbox.
  const googleSignIn = googleTokens === undefined ? null : configuredGoogleSignIn(config, { ...signInDeps, refreshTokens: googleTokens, onSignedIn: (mailboxId) => requestSession(mailboxId, 'resume') });
  const server = createServer({
    logger,
    routes: [
      graphNotificationRoutes({
        lookupSubscription: async (subscriptionId) => store.findMailboxSubscription(subscriptionId),
        triggers: new Set(triggers),
        requestSession,
        onLifecycle: (mailboxId, subscriptionId, event) => keeper?.handleLifecycle(mailboxId, subscriptionId, event),
        logger,
      }),
      googlePushRoutes({ receiver: google, logger }),
      ...(signIn === null ? [] : [graphSignInRoutes(signIn)]),
      ...(googleSignIn === null ? [] : [googleSignInRoutes(googleSignIn)]),
      ...(options.routes ?? []),
    ],
  });

  const setting = config.server ?? DEFAULT_SERVER;
  const running: RunningServer = await server.listen(setting.port, setting.host);
  baseUrl = setting.publicUrl ?? running.url;
  const webhookUrl = `${baseUrl}${GRAPH_WEBHOOK_PATH}`;

  if (triggers.length > 0) {
    keeper = createSubscriptionKeeper({
      // Only mailboxes reached over Graph have Graph subscriptions; the other kinds have watches of their own.
      orgs: config.orgs.map((org) => ({ ...org, mailboxes: mailboxesOfKind([org], 'graph').map(({ mailbox }) => mailbox) })),
      records: store,
      webhookUrl,
      changeTypes: triggers.map((trigger) => CHANGE_TYPE_OF[trigger]),
      resources: [...scope.resources],
      connectionFor: (org, mailbox) =>
        graphConnection(org.graph, mailbox, {
          logger,
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          ...(refreshTokens === undefined ? {} : { refreshTokens }),
          signInUrl: (mailboxId) => signInUrlOf(baseUrl, mailboxId),
        }),
      requestSession,
      logger,
      ...(options.subscriptionTiming === undefined ? {} : { timing: options.subscriptionTiming }),
    });
  }

  const watches: MailboxWatches[] =
    triggers.length === 0
      ? []
      : [
          startEwsWatches({ ...watchSettings, orgs: config.orgs, ...(options.ewsConnectionTimeoutMinutes === undefined ? {} : { connectionTimeoutMinutes: options.ewsConnectionTimeoutMinutes }) }),
          startImapWatches({ ...watchSettings, orgs: config.orgs }),
          google.start(baseUrl),
        ];

  const streams: ChangeStream[] = config.orgs.map((org) =>
    createOrgChangeStream({ org, store, requestSession, logger, ...(options.fetch === undefined ? {} : { fetch: options.fetch }), ...(options.streamBackoff === undefined ? {} : { backoff: options.streamBackoff }) }),
  );

  const ready = Promise.all([
    keeper?.start(),
    ...watches.map((watch) => watch.ready),
    ...streams.map((stream, index) =>
      stream.start().catch((error: unknown) => {
        logger.error({ org: config.orgs[index]?.id, err: error }, 'Salesforce change stream did not start; Salesforce changes reach mailboxes on the scheduled sessions only');
      }),
    ),
  ]).then(() => {
    logger.info({ webhookUrl, triggers, orgs: config.orgs.length }, 'Instant sync started');
  });

  return {
    url: running.url,
    webhookUrl,
    ready,
    async stop() {
      await Promise.all([...streams.map((stream) => stream.stop()), ...watches.map((watch) => watch.stop())]);
      await keeper?.stop();
      await running.close();
    },
  };
}
