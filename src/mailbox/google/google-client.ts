import { GoogleTokenSource } from './auth/google-token-source.ts';
import { GoogleHttp } from './google-http.ts';
import { GOOGLE_API_BASE_URL, GOOGLE_PEOPLE_BASE_URL, GOOGLE_SCOPES, type GoogleApiName, type GoogleClientOptions } from './google-options.ts';
import { gmailMeterFor, GMAIL_UNITS_PER_MINUTE } from './quota-meter.ts';
import type { Logger } from '../../observability/logger.ts';

/** The HTTP layer and settings every Google source of one mailbox sends requests with; build it with `createGoogleClient`. */
export interface GoogleClient {
  readonly http: GoogleHttp;
  /** Root of Calendar, Gmail and Tasks, without a trailing slash. */
  readonly apiBaseUrl: string;
  readonly peopleBaseUrl: string;
  readonly userEmail: string;
  readonly logger: Logger;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Build the HTTP layer of one API for one mailbox, with a token source asking for that API's scopes only. */
export function createGoogleClient(options: GoogleClientOptions, api: GoogleApiName): GoogleClient {
  const userEmail = options.userEmail.trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(userEmail)) {
    throw new Error(`userEmail "${options.userEmail}" is not an email address: use the mailbox address, e.g. dana@example.com`);
  }

  const apiBaseUrl = trimUrl(options.apiBaseUrl ?? GOOGLE_API_BASE_URL, 'apiBaseUrl');
  const peopleBaseUrl = trimUrl(options.peopleBaseUrl ?? GOOGLE_PEOPLE_BASE_URL, 'peopleBaseUrl');
  const logger = options.logger.child({ connector: 'google', component: api });
  const doFetch = options.fetch ?? globalThis.fetch;
  const tokens = new GoogleTokenSource({
    credentials: options.credentials,
    userEmail,
    scopes: GOOGLE_SCOPES[api],
    ...(options.tokenUrl === undefined ? {} : { tokenUrl: options.tokenUrl }),
    fetch: doFetch,
    logger,
  });
  const http = new GoogleHttp({
    tokens,
    allowedOrigins: [new URL(apiBaseUrl).origin, new URL(peopleBaseUrl).origin],
    fetch: doFetch,
    logger,
    sleep: options.sleep ?? realSleep,
    gmailMeter: api === 'gmail' ? gmailMeterFor(userEmail, options.gmailUnitsPerMinute ?? GMAIL_UNITS_PER_MINUTE) : null,
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  return { http, apiBaseUrl, peopleBaseUrl, userEmail, logger };
}

function trimUrl(value: string, name: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    throw new Error(`${name} "${value}" is not a URL: use e.g. https://www.googleapis.com`);
  }
}
