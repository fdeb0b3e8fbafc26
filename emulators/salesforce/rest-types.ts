import type { ApiStats } from './api-stats.ts';
import type { Session } from './auth-service.ts';
import type { OrgState } from './org-state.ts';
import type { QueryService } from './query-service.ts';
import type { RecordWriter } from './record-writer.ts';

/** A REST request inside the emulator, whether it came over HTTP or as a composite subrequest. */
export interface RestRequest {
  method: string;
  /** The API version from the path, e.g. `62.0`. */
  apiVersion: string;
  /** Path segments after `/services/data/vXX.X/`, decoded. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  session: Session;
}

export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The services every handler may use. */
export interface RestContext {
  org: OrgState;
  writer: RecordWriter;
  queries: QueryService;
  stats: ApiStats;
  dailyApiLimit: number;
  /** Runs a composite subrequest given by its URL (resolved against the same router). */
  dispatch(request: RestRequest): RestResponse;
}

export type RestHandler = (request: RestRequest, context: RestContext, params: Record<string, string>) => RestResponse;
