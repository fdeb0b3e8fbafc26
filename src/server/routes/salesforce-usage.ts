import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OrgSetting, SynclineConfig } from '../../config/resolved-config.ts';
import type { ApiUsage } from '../../crm/salesforce/api-usage.ts';
import { SalesforceRestClient } from '../../crm/salesforce/rest-client.ts';
import type { AccountStore, SessionLog } from '../../domain/accounts.ts';
import type { Logger } from '../../observability/logger.ts';
import { ApiError, errorBodySchema } from '../api-errors.ts';
import { requireAdmin } from '../authentication.ts';

/** Reads an org's daily API usage and allocation from Salesforce. */
export type OrgLimitsReader = (org: OrgSetting) => Promise<ApiUsage>;

export interface SalesforceUsageRouteOptions {
  readonly store: AccountStore & SessionLog;
  readonly config: SynclineConfig;
  readonly logger: Logger;
  /** Defaults to Salesforce's `limits` resource, through the org's configured connection. */
  readonly readLimits?: OrgLimitsReader;
  readonly now: () => Date;
}

const HOUR_MS = 60 * 60_000;
const WINDOW_HOURS = 24;
/** Sessions read per mailbox: a day of sessions every 10 minutes, with room for forced ones. */
const SESSIONS_PER_MAILBOX = 200;
/** Salesforce's usage response is cached this long, so reloading the console does not spend the org's API calls. */
const LIMITS_CACHE_MS = 5 * 60_000;
/** The console waits for this request, so it gets a short timeout and short retry delays. */
const LIMITS_TIMEOUT_MS = 5_000;
const LIMITS_RETRY_DELAY_SCALE = 0.2;

const usageSchema = z
  .object({
    from: z.string().describe('Start of the 24 hours the hourly counts cover'),
    to: z.string(),
    syncline: z.object({
      total: z.number().int().describe('Salesforce API calls of the sessions of the org started in these 24 hours'),
      hourly: z.array(z.object({ hour: z.string(), calls: z.number().int() })).describe('24 entries, oldest first'),
    }),
    org: z
      .object({ used: z.number().int(), max: z.number().int(), checkedAt: z.string() })
      .nullable()
      .describe("The org's daily API requests over its last 24 hours, by every client, as Salesforce reports them; null when Salesforce could not be asked"),
    budget: z.object({
      share: z.number().describe('salesforce.apiBudgetShare'),
      allowed: z.number().int().nullable().describe('share × max: Syncline slows down from 80 % of it and stops at it'),
    }),
    orgError: z.string().nullable().describe('Why the org usage is missing, and what to do'),
  })
  .meta({ id: 'SalesforceUsage' });

/**
 * `GET /api/v1/org/salesforce-usage` (admins): the Salesforce API calls of Syncline's sessions per hour over the last
 * 24 hours, from the session log, beside the org's daily usage and allocation as Salesforce reports them and the
 * share of it Syncline may use.
 */
export function registerSalesforceUsageRoutes(app: FastifyInstance, options: SalesforceUsageRouteOptions): void {
  const readLimits = cachedLimits(options.readLimits ?? salesforceLimitsReader(options.logger), options.now);
  const logger = options.logger.child({ component: 'salesforce-usage' });

  app.withTypeProvider<ZodTypeProvider>().get('/api/v1/org/salesforce-usage', {
    schema: {
      tags: ['org'],
      summary: "Salesforce API calls of Syncline per hour over 24 hours, against the org's daily limit (admins only)",
      response: { 200: z.object({ usage: usageSchema }), 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request) => {
    const caller = requireAdmin(request);
    const org = options.config.orgs.find((candidate) => candidate.id === caller.orgId);
    if (org === undefined) {
      throw new ApiError(404, 'not_found', `org '${caller.orgId}' is not in the configuration this server runs with; add it to orgs[] and restart`);
    }

    const now = options.now();
    const hourly = await hourlyCalls(options.store, org.id, now);
    let usage: { used: number; max: number; checkedAt: string } | null = null;
    let orgError: string | null = null;
    try {
      usage = await readLimits(org);
    } catch (error) {
      orgError = `Salesforce did not report the org's API usage (${(error as Error).message}); check the org's salesforce settings and connection`;
      logger.warn({ org: org.id, err: { message: (error as Error).message } }, "Could not read the org's Salesforce API usage");
    }

    const share = org.salesforce.apiBudgetShare;
    return {
      usage: {
        from: hourly[0]?.hour ?? now.toISOString(),
        to: now.toISOString(),
        syncline: { total: hourly.reduce((sum, entry) => sum + entry.calls, 0), hourly },
        org: usage,
        budget: { share, allowed: usage === null ? null : Math.floor(usage.max * share) },
        orgError,
      },
    };
  });
}

/**
 * Sum the Salesforce API calls of the org's sessions by the hour they started, for the 24 hours up to `now`.
 * NOTE: this reads the latest sessions of every mailbox of the org, with one query per mailbox. That suits hundreds
 * of mailboxes. For thousands, one store query that sums by hour would be cheaper.
 */
async function hourlyCalls(store: AccountStore & SessionLog, orgId: string, now: Date): Promise<{ hour: string; calls: number }[]> {
  const lastHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const first = lastHour - (WINDOW_HOURS - 1) * HOUR_MS;
  const calls = new Array<number>(WINDOW_HOURS).fill(0);
  for (const mailbox of await store.listMailboxes(orgId)) {
    for (const session of await store.listSessions(mailbox.id, SESSIONS_PER_MAILBOX)) {
      const index = Math.floor((Date.parse(session.startedAt) - first) / HOUR_MS);
      if (index >= 0 && index < WINDOW_HOURS) {
        calls[index]! += session.apiCalls.crm;
      }
    }
  }
  return calls.map((count, index) => ({ hour: new Date(first + index * HOUR_MS).toISOString(), calls: count }));
}

function cachedLimits(read: OrgLimitsReader, now: () => Date): (org: OrgSetting) => Promise<{ used: number; max: number; checkedAt: string }> {
  const cache = new Map<string, { at: number; result: Promise<{ used: number; max: number; checkedAt: string }> }>();
  return (org) => {
    const at = now().getTime();
    const cached = cache.get(org.id);
    if (cached !== undefined && at - cached.at < LIMITS_CACHE_MS) {
      return cached.result;
    }
    const result = read(org).then((usage) => ({ used: usage.used, max: usage.max, checkedAt: new Date(at).toISOString() }));
    cache.set(org.id, { at, result });
    // A failure is not cached, so the next request sends a new one to Salesforce.
    result.catch(() => {
      if (cache.get(org.id)?.result === result) {
        cache.delete(org.id);
      }
    });
    return result;
  };
}

/**
 * Ask Salesforce's `limits` resource for `DailyApiRequests`, through one REST client per org, so its access token
 * is reused between requests.
 */
export function salesforceLimitsReader(logger: Logger): OrgLimitsReader {
  const clients = new Map<string, SalesforceRestClient>();
  return async (org) => {
    let client = clients.get(org.id);
    if (client === undefined) {
      const { loginUrl, auth, apiVersion } = org.salesforce;
      client = new SalesforceRestClient({ loginUrl, auth, apiVersion, logger: logger.child({ side: 'crm', org: org.id }), fetch: globalThis.fetch, timeoutMs: LIMITS_TIMEOUT_MS, retry: { delayScale: LIMITS_RETRY_DELAY_SCALE } });
      clients.set(org.id, client);
    }
    const response = await client.request('GET', `${client.dataPath}/limits`);
    const daily = (response.body as { DailyApiRequests?: { Max?: unknown; Remaining?: unknown } } | null)?.DailyApiRequests;
    const max = Number(daily?.Max);
    const remaining = Number(daily?.Remaining);
    if (!Number.isInteger(max) || !Number.isInteger(remaining) || max <= 0) {
      throw new Error('the limits resource has no DailyApiRequests with Max and Remaining');
    }
    return { used: Math.max(0, max - remaining), max };
  };
}
