import type { Logger } from '../../observability/logger.ts';
import type { MailboxEventSource } from '../../domain/connector.ts';
import { toIanaZone } from '../../domain/time-zones.ts';
import { GraphHttp } from './graph-http.ts';
import { Semaphore } from './semaphore.ts';
import { TokenProvider } from './token-provider.ts';
import type { SourceContext } from './source-context.ts';
import { pullChanges } from './pull-changes.ts';
import { readItems } from './read-items.ts';
import { findBySyncIds } from './find-by-sync-ids.ts';
import { applyWrites } from './apply-writes.ts';

export interface GraphConnectorOptions {
  /** Graph version root, e.g. `https://graph.microsoft.com/v1.0` or `http://127.0.0.1:PORT/v1.0`. */
  graphBaseUrl: string;
  /** e.g. `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** User id or principal name the mailbox is addressed by. */
  userId: string;
  /** IANA zone for all-day events and for events the engine creates. */
  mailboxTimeZone: string;
  logger: Logger;
  fetch?: typeof fetch;
  /** `odata.maxpagesize` for delta pages. */
  pageSize?: number;
  /** Requests in flight at once for this mailbox; Outlook allows four per mailbox. */
  maxConcurrency?: number;
  /** Wait function used before a retry. Tests pass a recorder in place of real time. */
  sleep?: (ms: number) => Promise<void>;
}

const OUTLOOK_CONCURRENCY_LIMIT = 4;

/** Create the event source for the Microsoft Graph calendar of one mailbox. */
export function createGraphEventSource(options: GraphConnectorOptions): MailboxEventSource {
  const ctx = buildContext(options);
  return {
    get calls() {
      return ctx.http.calls;
    },
    pullChanges: (cursor, window) => pullChanges(ctx, cursor, window),
    readItems: (ids) => readItems(ctx, ids),
    findBySyncIds: (syncIds) => findBySyncIds(ctx, syncIds),
    applyWrites: (writes) => applyWrites(ctx, writes),
  };
}

/**
 * Delta page size asked for with `odata.maxpagesize`. Graph pages calendar deltas at 10 events when no size is
 * asked for, which costs ten times the requests on a first sync.
 */
// NOTE: Graph documents no maximum for event delta pages; 100 is a size Graph clients commonly request, and
// Graph returns smaller pages when it caps the size, which the nextLink loop handles.
const DEFAULT_DELTA_PAGE_SIZE = 100;

function buildContext(options: GraphConnectorOptions): SourceContext {
  const mailboxTimeZone = toIanaZone(options.mailboxTimeZone);
  if (mailboxTimeZone === null) {
    throw new Error(`mailboxTimeZone "${options.mailboxTimeZone}" is not a known zone: use an IANA name such as Europe/Berlin`);
  }

  const pageSize = options.pageSize ?? DEFAULT_DELTA_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new Error(`pageSize ${pageSize} is invalid: use a whole number of 1 or more, or leave it out`);
  }

  const baseUrl = options.graphBaseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const logger = options.logger.child({ connector: 'graph' });
  const tokens = new TokenProvider({ ...options, fetch: doFetch, logger, sleep });
  const semaphore = new Semaphore(options.maxConcurrency ?? OUTLOOK_CONCURRENCY_LIMIT);
  const http = new GraphHttp({ baseUrl, tokens, fetch: doFetch, logger, semaphore, sleep });

  return {
    http,
    batch: { http, baseUrl, logger, sleep },
    baseUrl,
    userPath: `/users/${encodeURIComponent(options.userId)}`,
    mailboxTimeZone,
    logger,
    pageSize,
  };
}
