import type { FastifyRequest } from 'fastify';
import { createOidcSignIn } from '../auth/oidc-sign-in.ts';
import { createSignInSessions } from '../auth/sign-in-sessions.ts';
import { SignInThrottle } from '../auth/sign-in-throttle.ts';
import type { OidcSetting, SynclineConfig } from '../config/resolved-config.ts';
import type { SessionTrigger } from '../domain/mailbox-state.ts';
import { GRAPH_REFRESH_TOKEN_KIND } from '../mailbox/graph/auth/credential-refresh-tokens.ts';
import { GOOGLE_REFRESH_TOKEN_KIND } from '../mailbox/google/auth/google-refresh-tokens.ts';
import type { Logger } from '../observability/logger.ts';
import { processMetrics, type SynclineMetrics } from '../observability/metrics.ts';
import type { SynclineStore } from '../store/index.ts';
import { installAuthentication } from './authentication.ts';
import type { ServerRoutes } from './create-server.ts';
import { registerConflictRoutes } from './routes/conflicts.ts';
import { registerDashboardPages } from './routes/dashboard-pages.ts';
import { registerLinkExplanationRoutes } from './routes/link-explanations.ts';
import { registerMailboxRoutes } from './routes/mailboxes.ts';
import { registerOidcRoutes } from './routes/oidc.ts';
import { registerOperationalRoutes } from './routes/operational.ts';
import { registerMailboxSettingsRoutes } from './routes/mailbox-settings.ts';
import { registerOrgSettingsRoutes } from './routes/org-settings.ts';
import { registerOrgSettingsEditRoutes, type DraftPlanner } from './routes/org-settings-edits.ts';
import { registerReviewRoutes } from './routes/review.ts';
import { registerSalesforceUsageRoutes, type OrgLimitsReader } from './routes/salesforce-usage.ts';
import { registerSignInRoutes } from './routes/sign-in.ts';
import { cookiePolicyFor } from './session-cookie.ts';

export interface ApiDependencies {
  readonly store: SynclineStore;
  /** The configuration the server runs with: org settings, OIDC providers, and `server` for the cookie policy. */
  readonly config: SynclineConfig;
  readonly logger: Logger;
  /** Starts a forced session in this process at once; without it the scheduler finds it at its next poll. */
  readonly requestSession?: (mailboxId: string, trigger: SessionTrigger) => void;
  /** Defaults to the process's metrics, which `recordSessionMetrics` counts into. */
  readonly metrics?: SynclineMetrics;
  /** Defaults to 10 failed sign-ins per address in 15 minutes. */
  readonly signInThrottle?: SignInThrottle;
  /** Reads an org's daily Salesforce API usage for the admin console; defaults to Salesforce's `limits` resource. */
  readonly readSalesforceLimits?: OrgLimitsReader;
  /** Plans a session with an org settings draft for the console's dry run; without it the dry run answers 503. */
  readonly planDraft?: DraftPlanner;
  /** Whether a mailbox owner's refresh token is kept; defaults to a look for its row in the store's credentials. */
  readonly ownerSignedIn?: (mailboxId: string, provider: 'graph' | 'google') => Promise<boolean>;
  readonly now?: () => Date;
}

/**
 * Build the HTTP API (`/api/v1`: sign-in, the caller's mailboxes, their conflict ledgers, link explanations, org
 * settings and Salesforce API use), health and metrics, and the dashboard pages (`/`, `/sign-in`, `/admin`), as one
 * `ServerRoutes` for `createServer`. Every other route under `/api/` registered on the same server gets the same
 * sign-in and CSRF checks; read its caller with `requireCaller(request)` from authentication.ts.
 */
export function apiRoutes(deps: ApiDependencies): ServerRoutes {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'api' });
  const metrics = deps.metrics ?? processMetrics;
  const cookies = cookiePolicyFor(deps.config.server);
  const sessions = createSignInSessions({ store: deps.store, now });
  const orgNames = new Map(deps.config.orgs.map((org) => [org.id, org.name]));
  const providers = new Map<string, OidcSetting>(deps.config.orgs.flatMap((org) => (org.oidc === undefined ? [] : [[org.id, org.oidc] as const])));
  const publicUrl = deps.config.server?.publicUrl ?? null;
  // Only the row's presence counts, so no encryption key is needed to tell.
  const ownerSignedIn = deps.ownerSignedIn ?? (async (mailboxId: string, provider: 'graph' | 'google') =>
    (await deps.store.loadCredentialRow(`mailbox:${mailboxId}`, provider === 'graph' ? GRAPH_REFRESH_TOKEN_KIND : GOOGLE_REFRESH_TOKEN_KIND)) !== null);

  metrics.observeQueueLag(() => queueLagSeconds(deps.store, now()));

  return (app) => {
    installAuthentication(app, sessions, cookies);
    registerOperationalRoutes(app, { store: deps.store, metrics, logger });
    registerSignInRoutes(app, { users: deps.store, sessions, throttle: deps.signInThrottle ?? new SignInThrottle(), cookies, orgName: (orgId) => orgNames.get(orgId) ?? orgId, logger });
    registerOidcRoutes(app, {
      oidc: createOidcSignIn({ providers, logger }),
      users: deps.store,
      sessions,
      cookies,
      // Without server.publicUrl the redirect goes back to the address the browser used, which suits loopback only.
      baseUrl: (request: FastifyRequest) => publicUrl ?? `${request.protocol}://${request.host}`,
      logger,
    });
    registerMailboxRoutes(app, { store: deps.store, now, config: deps.config, ownerSignedIn, ...(deps.requestSession === undefined ? {} : { requestSession: deps.requestSession }) });
    registerConflictRoutes(app, { store: deps.store });
    registerReviewRoutes(app, { store: deps.store, config: deps.config, now, ...(deps.requestSession === undefined ? {} : { requestSession: deps.requestSession }) });
    registerLinkExplanationRoutes(app, { store: deps.store });
    registerOrgSettingsRoutes(app, deps.config, deps.store);
    registerOrgSettingsEditRoutes(app, { config: deps.config, store: deps.store, now, ...(deps.planDraft === undefined ? {} : { planDraft: deps.planDraft }) });
    registerMailboxSettingsRoutes(app, { config: deps.config, store: deps.store, now });
    registerSalesforceUsageRoutes(app, { store: deps.store, config: deps.config, logger, now, ...(deps.readSalesforceLimits === undefined ? {} : { readLimits: deps.readSalesforceLimits }) });
    registerDashboardPages(app, { sessions, cookies });
  };
}

/**
 * Compute the age of the oldest session that is due and has not started.
 * NOTE: this reads every schedule at each scrape. That is cheap for thousands of mailboxes, but at 100,000 an
 * indexed query for the oldest due row would be cheaper.
 */
async function queueLagSeconds(store: SynclineStore, now: Date): Promise<number> {
  let oldest = now.getTime();
  for (const schedule of await store.listSchedules()) {
    const due = schedule.state === 'active' ? schedule.nextSessionAt : schedule.state === 'suspendedByError' ? schedule.resumeAt : null;
    const at = due === null ? Number.NaN : Date.parse(due);
    if (Number.isFinite(at) && at < oldest) {
      oldest = at;
    }
  }
  return Math.max(0, (now.getTime() - oldest) / 1000);
}
