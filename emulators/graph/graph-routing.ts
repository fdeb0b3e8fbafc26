import type { TokenIdentity } from './access-tokens.ts';
import type { AuthGrants } from './auth-grants.ts';
import type { ContactStore } from './contact-store.ts';
import type { UserRecord } from './event-record.ts';
import type { FaultState } from './faults.ts';
import type { MailStore } from './mail-store.ts';
import type { MailboxConcurrency } from './mailbox-concurrency.ts';
import type { MailboxRequestWindow } from './mailbox-request-window.ts';
import type { MailboxStore } from './mailbox-store.ts';
import type { Preferences } from './prefer-header.ts';
import type { RequestStats } from './request-stats.ts';
import type { SubscriptionService } from './subscriptions.ts';
import type { TodoStore } from './todo-store.ts';

/** One Graph request, from the HTTP server or from inside a `$batch`, with the path after `/v1.0`. */
export interface GraphRequest {
  readonly method: string;
  /** Percent-encoded path without the version segment and query, e.g. `/users/ada%40example.com/events`. */
  readonly path: string;
  /** Query options by lower-cased name (`$filter`, `startdatetime`); Graph reads them case-insensitively. */
  readonly query: ReadonlyMap<string, string>;
  /** Header values by lower-cased name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  /** Scheme and authority the client called, used for absolute links (`@odata.nextLink`). */
  readonly origin: string;
  readonly inner: boolean;
  /** Who the request's token acts for; set once the token was checked. */
  readonly identity?: TokenIdentity;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface GraphServices {
  readonly store: MailboxStore;
  readonly faults: FaultState;
  readonly stats: RequestStats;
  readonly concurrency: MailboxConcurrency;
  readonly defaultPageSize: number;
  readonly subscriptions: SubscriptionService;
  readonly grants: AuthGrants;
  readonly requestWindow: MailboxRequestWindow;
  readonly todo: TodoStore;
  readonly contacts: ContactStore;
  readonly mail: MailStore;
}

export interface RouteContext {
  readonly request: GraphRequest;
  readonly params: Readonly<Record<string, string>>;
  /** The mailbox owner for `/users/{user}/…` routes. */
  readonly user: UserRecord;
  /** The user segment as the client wrote it (id or principal name), for links and contexts. */
  readonly userSegment: string;
  readonly preferences: Preferences;
  readonly services: GraphServices;
}

type RouteHandler = (context: RouteContext) => GraphResponse | Promise<GraphResponse>;

export interface Route {
  readonly method: string;
  /** Template such as `/users/{user}/events/{id}`; braces mark parameters. */
  readonly template: string;
  readonly handler: RouteHandler;
}

interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

/** Find the route for a path; `methodMismatch` is set when the path exists under another method. */
export function matchRoute(routes: readonly Route[], method: string, path: string): { match: RouteMatch | null; methodMismatch: boolean } {
  const segments = splitPath(path);
  let methodMismatch = false;
  for (const route of routes) {
    const params = matchTemplate(route.template, segments);
    if (!params) {
      continue;
    }

    if (route.method !== method) {
      methodMismatch = true;
      continue;
    }
    return { match: { route, params }, methodMismatch: false };
  }
  return { match: null, methodMismatch };
}

export function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

// Literal segments compare case-insensitively, as Graph resolves `calendarView` and `calendarview` alike.
function matchTemplate(template: string, segments: string[]): Record<string, string> | null {
  const parts = splitPath(template);
  if (parts.length !== segments.length) {
    return null;
  }

  const params: Record<string, string> = {};
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index] ?? '';
    const segment = segments[index] ?? '';
    if (part.startsWith('{')) {
      params[part.slice(1, -1)] = safeDecode(segment);
    } else if (part.toLowerCase() !== segment.toLowerCase()) {
      return null;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): GraphResponse {
  return { status, headers, body };
}
