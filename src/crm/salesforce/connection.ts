import { ConnectorError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { OrgApiBudget } from './api-budget.ts';
import type { SalesforceAuth } from './auth.ts';
import type { SalesforceOrgCache } from './org-cache.ts';
import { runQueries } from './query-runner.ts';
import { SalesforceRestClient } from './rest-client.ts';
import type { RetryOptions } from './retry-policy.ts';
import { soqlString } from './soql.ts';

export interface SalesforceConnectionOptions {
  /** e.g. https://login.salesforce.com or the emulator origin; the token comes from {loginUrl}/services/oauth2/token. */
  loginUrl: string;
  auth: SalesforceAuth;
  /** e.g. '62.0' */
  apiVersion: string;
  /** The mailbox owner's Salesforce User, looked up by Email (active users only) when only the address is known. */
  owner: { id: string } | { email: string };
  logger: Logger;
  fetch?: typeof fetch;
  /** Backoff tuning; tests shrink the delays. */
  retry?: RetryOptions;
  sleep?: (ms: number) => Promise<void>;
  /** The org's API budget, shared by every connector of the org in this process. */
  apiBudget?: OrgApiBudget;
  /** The org's token, describes and owner ids, shared by its sessions in this process. */
  orgCache?: SalesforceOrgCache;
}

/**
 * One mailbox owner's connection to the org, shared by the record sources of a session: one REST client (one token,
 * one call count) and one owner lookup.
 */
export interface SalesforceConnection {
  readonly client: SalesforceRestClient;
  readonly loginUrl: string;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly retry: RetryOptions | undefined;
  /** The owner's User id, looked up once. */
  ownerId(): Promise<string>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSalesforceConnection(options: SalesforceConnectionOptions): SalesforceConnection {
  const logger = options.logger.child({ side: 'crm', connector: 'salesforce' });
  const sleep = options.sleep ?? defaultSleep;
  const client = new SalesforceRestClient({
    loginUrl: options.loginUrl,
    auth: options.auth,
    apiVersion: options.apiVersion,
    logger,
    fetch: options.fetch ?? globalThis.fetch,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    sleep,
    ...(options.apiBudget === undefined ? {} : { budget: options.apiBudget }),
    ...(options.orgCache === undefined ? {} : { orgCache: options.orgCache }),
  });
  const owner = options.owner;
  const lookUpOwner = () => resolveOwner(client, owner);
  return {
    client,
    loginUrl: options.loginUrl,
    logger,
    sleep,
    retry: options.retry,
    ownerId: once(() => ('email' in owner && options.orgCache !== undefined ? options.orgCache.owner(owner.email, lookUpOwner) : lookUpOwner())),
  };
}

async function resolveOwner(client: SalesforceRestClient, owner: SalesforceConnectionOptions['owner']): Promise<string> {
  if ('id' in owner) {
    return owner.id;
  }

  const soql = `SELECT Id FROM User WHERE Email = ${soqlString(owner.email)} AND IsActive = true`;
  const users = (await runQueries(client, [{ soql }])).records[0] ?? [];
  if (users.length !== 1) {
    throw new ConnectorError({
      kind: 'suspend',
      code: users.length === 0 ? 'OWNER_NOT_FOUND' : 'OWNER_AMBIGUOUS',
      message:
        users.length === 0
          ? `No active Salesforce User has the email ${owner.email}: activate that User, or name the mailbox's User in mailboxes[].salesforceUser (its id, or the email it has in Salesforce)`
          : `${users.length} active Salesforce Users have the email ${owner.email}: name the mailbox's User by id in mailboxes[].salesforceUser`,
    });
  }
  return String(users[0]!.Id);
}

/** Run `load` once and share its result; a failure is not kept, so the next call tries again. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    if (pending === null) {
      const current = load();
      pending = current;
      current.catch(() => {
        if (pending === current) {
          pending = null;
        }
      });
    }
    return pending;
  };
}
