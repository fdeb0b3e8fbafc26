import type { Logger } from '../../observability/logger.ts';
import type { BatchDeps } from './graph-batch.ts';
import type { GraphHttp } from './graph-http.ts';

/** What every operation of one mailbox's event source shares. */
export interface SourceContext {
  readonly http: GraphHttp;
  readonly batch: BatchDeps;
  /** Graph version root without a trailing slash, e.g. `https://graph.microsoft.com/v1.0`. */
  readonly baseUrl: string;
  /** `/users/{id}` with the id escaped, relative to the version root. */
  readonly userPath: string;
  readonly mailboxTimeZone: string;
  readonly logger: Logger;
  readonly pageSize: number;
}
