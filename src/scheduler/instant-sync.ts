import type { InstantSyncTrigger, OrgSetting, SynclineConfig } from '../config/resolved-config.ts';
import type { ChangeStream } from '../domain/change-stream.ts';
import type { SessionTrigger } from '../domain/mailbox-state.ts';
import { sessionGoogleRefreshTokens } from '../mailbox/google/auth/google-refresh-tokens.ts';
import { sessionRefreshTokens } from '../mailbox/graph/auth/configured-refresh-tokens.ts';
import type { RefreshTokenStore } from '../mailbox/graph/auth/refresh-token-store.ts';
import { graphConnection } from '../mailbox/graph/graph-connection.ts';
import type { GraphChangeType } from '../mailbox/graph/subscriptions.ts';
import type { Logger } from '../observability/logger.ts';
import { createServer, type RunningServer, type ServerRoutes } from '../server/create-server.ts';
import { googlePushRoutes, type GooglePushReceiver } from '../server/webhooks/google-push.ts';
import { configuredGoogleSignIn, googleSignInRoutes } from '../server/webhooks/google-sign-in.ts';
import { GRAPH_WEBHOOK_PATH, graphNotificationRoutes } from '../server/webhooks/graph-notifications.ts';
import { configuredSignIn, graphSignInRoutes, signInUrlOf } from '../server/webhooks/graph-sign-in.ts';
import type { SynclineStore } from '../store/index.ts';
import { createOrgChangeStream } from './instant-sync-change-stream.ts';
import { startEwsWatches } from './instant-sync-ews.ts';
import { createGoogleWatches, type GoogleWatches } from './instant-sync-google.ts';
import { startImapWatches } from './instant-sync-imap.ts';
import { createSubscriptionKeeper, type SubscriptionKeeper, type SubscriptionTiming } from './instant-sync-subscriptions.ts';
import { createOrgTriggers, orgSettingsSavedHook } from './instant-sync-triggers.ts';
import { ALL_TRIGGERS, mailboxesOfKind, watchScope, type MailboxWatches } from './instant-sync-watch.ts';

/**
 * Instant sync (SPEC S6): sessions ahead of schedule. Mailbox → Salesforce: Graph subscriptions and Google push
 * post to the webhooks, and EWS streaming subscriptions and IMAP IDLE keep connections open. Each requests a
 * session of the mailbox from the scheduler. Salesforce → mailbox: a change stream per org requests sessions of the
 * Events' owners. The scheduler merges bursts; nothing here runs a session itself. Which mailbox changes count
 * (the triggers) is each org's current setting, the console's saved edit or the file's, checked as changes arrive.
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
  /** Test hook: how long an org's triggers read from the store stay cached; default one minute. */
  readonly triggersMaxAgeMs?: number;
  /** Test hook: how often orgs without watches are checked for triggers saved since; default one minute. */
  readonly watchCheckMs?: number;
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
const DEFAULT_WATCH_CHECK_MS = 60_000;

/**
 * Start the webhook server, then the Graph subscriptions, the EWS, IMAP and Google watches and the Salesforce change
 * streams in the background.
 */
export async function startInstantSync(options: InstantSyncOptions): Promise<InstantSync> {
  const { config, store, logger } = options;
  const scope = watchScope(config);
  const fileTriggers = [...scope.triggers];
  const orgTriggers = createOrgTriggers({ config, store, logger, ...(options.triggersMaxAgeMs === undefined ? {} : { maxAgeMs: options.triggersMaxAgeMs }) });
  const requestSession = (mailboxId: string, trigger: SessionTrigger) => options.scheduler.requestSession(mailboxId, trigger);
  const refreshTokens = options.refreshTokens ?? sessionRefreshTokens(config, store, options.env ?? process.env);
  const fetchOption = options.fetch === undefined ? {} : { fetch: options.fetch };
  const watchSettings = {
    resources: scope.resources,
    triggersOf: orgTriggers.ofMailbox,
    requestSession,
    logger,
    ...fetchOption,
    ...(options.watchRetryDelaysMs === undefined ? {} : { retryDelaysMs: options.watchRetryDelaysMs }),
  };
  // EWS, IMAP and Google watches keep connections open, so only orgs with triggers get them: those that have some at
  // start, and later those whose saved settings add some. Each change is still checked against the org's triggers
  // when it arrives, so a watch stays open when its org's triggers are emptied again.
  const googleTokens = options.googleRefreshTokens ?? sessionGoogleRefreshTokens(config, store, options.env ?? process.env);
  const watchedOrgIds = new Set<string>();
  const watches: MailboxWatches[] = [];
  const googleSets: GoogleWatches[] = [];
  const google: GooglePushReceiver = {
    handleCalendarNotification: (headers) => googleSets.some((set) => set.handleCalendarNotification(headers)),
    handleGmailPush: (body, token) => googleSets.some((set) => set.handleGmailPush(body, token)),
  };
  let stopped = false;
  const openWatches = (orgs: readonly OrgSetting[]): MailboxWatches[] => {
    const fresh = orgs.filter((org) => !watchedOrgIds.has(org.id));
    if (stopped || fresh.length === 0) {
      return [];
    }
    fresh.forEach((org) => watchedOrgIds.add(org.id));
    const googleSet = createGoogleWatches({ ...watchSettings, orgs: fresh, ...(googleTokens === undefined ? {} : { refreshTokens: googleTokens }) });
    googleSets.push(googleSet);
    const opened = [
      startEwsWatches({ ...watchSettings, orgs: fresh, ...(options.ewsConnectionTimeoutMinutes === undefined ? {} : { connectionTimeoutMinutes: options.ewsConnectionTimeoutMinutes }) }),
      startImapWatches({ ...watchSettings, orgs: fresh }),
      googleSet.start(baseUrl),
    ];
    watches.push(...opened);
    return opened;
  };
  const orgsWithTriggers = async (orgs: readonly OrgSetting[]): Promise<OrgSetting[]> =>
    (await Promise.all(orgs.map(async (org) => ((await orgTriggers.ofOrg(org.id)).size > 0 ? [org] : [])))).flat();
  /** Open the watches of orgs that have none and whose triggers now ask for some. */
  const watchNewlyTriggered = async (orgs: readonly OrgSetting[]): Promise<void> => {
    const triggered = await orgsWithTriggers(orgs.filter((org) => !watchedOrgIds.has(org.id)));
    const opened = openWatches(triggered);
    if (opened.length > 0) {
      await Promise.all(opened.map((watch) => watch.ready));
      logger.info({ orgs: triggered.map((org) => org.id) }, 'Opened the instant sync watches of orgs whose saved settings added triggers');
    }
  };

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
  const settingsSaved = (orgId: string | undefined): void => {
    orgTriggers.forget(orgId);
    const saved = config.orgs.filter((candidate) => orgId === undefined || candidate.id === orgId);
    for (const org of saved) {
      org.mailboxes.forEach((mailbox) => keeper?.subscribeMailbox(mailbox.id));
    }
    watchNewlyTriggered(saved).catch((error: unknown) => logger.warn({ err: error, org: orgId }, 'Could not open the watches of an org whose settings were saved; the next check tries again'));
  };
  const server = createServer({
    logger,
    routes: [
      orgSettingsSavedHook(settingsSaved),
      graphNotificationRoutes({
        lookupSubscription: async (subscriptionId) => store.findMailboxSubscription(subscriptionId),
        triggers: orgTriggers.ofMailbox,
        onUntriggeredChange: (mailboxId) => {
          // The subscription may be newer than this process's cached triggers (saved through another process), so the
          // replacement reads them afresh instead of undoing that save.
          const orgId = orgTriggers.orgOf(mailboxId);
          if (orgId !== undefined) {
            orgTriggers.forget(orgId);
          }
          keeper?.subscribeMailbox(mailboxId);
        },
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

  // Only mailboxes reached over Graph have Graph subscriptions; the other kinds have watches of their own.
  const graphOrgs = config.orgs.map((org) => ({ ...org, mailboxes: mailboxesOfKind([org], 'graph').map(({ mailbox }) => mailbox) }));
  // Kept even while no org has triggers, so that one saved later subscribes its mailboxes without a restart.
  if (graphOrgs.some((org) => org.mailboxes.length > 0)) {
    keeper = createSubscriptionKeeper({
      orgs: graphOrgs,
      records: store,
      webhookUrl,
      changeTypesOf: async (mailboxId) => {
        const triggers = await orgTriggers.ofMailbox(mailboxId);
        return ALL_TRIGGERS.filter((trigger) => triggers.has(trigger)).map((trigger) => CHANGE_TYPE_OF[trigger]);
      },
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

  openWatches(await orgsWithTriggers(config.orgs));
  const initialWatches = [...watches];
  // Another process sharing the store may save an org's triggers; this one finds them at the next check.
  const watchCheck = setInterval(() => {
    watchNewlyTriggered(config.orgs).catch((error: unknown) => logger.warn({ err: error }, 'Could not check the orgs without watches for new triggers'));
  }, options.watchCheckMs ?? DEFAULT_WATCH_CHECK_MS);
  watchCheck.unref();

  const streams: ChangeStream[] = config.orgs.map((org) =>
    createOrgChangeStream({ org, store, requestSession, logger, ...(options.fetch === undefined ? {} : { fetch: options.fetch }), ...(options.streamBackoff === undefined ? {} : { backoff: options.streamBackoff }) }),
  );

  const ready = Promise.all([
    keeper?.start(),
    ...initialWatches.map((watch) => watch.ready),
    ...streams.map((stream, index) =>
      stream.start().catch((error: unknown) => {
        logger.error({ org: config.orgs[index]?.id, err: error }, 'Salesforce change stream did not start; Salesforce changes reach mailboxes on the scheduled sessions only');
      }),
    ),
  ]).then(() => {
    logger.info({ webhookUrl, fileTriggers, orgs: config.orgs.length, watchedOrgs: watchedOrgIds.size }, 'Instant sync started');
  });

  return {
    url: running.url,
    webhookUrl,
    ready,
    async stop() {
      stopped = true;
      clearInterval(watchCheck);
      await Promise.all([...streams.map((stream) => stream.stop()), ...watches.map((watch) => watch.stop())]);
      await keeper?.stop();
      await running.close();
    },
  };
}
