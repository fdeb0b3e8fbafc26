import { keywordProblem } from './imap-keyword.ts';
import type { Logger } from '../../observability/logger.ts';

/** Server and login of the IMAP side of a mailbox. */
export interface ImapServerOptions {
  readonly host: string;
  /** 993 for implicit TLS, 143 for plain IMAP with STARTTLS. */
  readonly port: number;
  /**
   * True: TLS from the first byte (port 993). False: plain IMAP upgraded with STARTTLS; to any host but a loopback
   * address the upgrade is required, unless `allowPlainLogin` is true.
   */
  readonly secure: boolean;
  /**
   * True: with `secure: false`, log in without TLS when the server offers no STARTTLS, sending the password in clear
   * text. Default false, which rejects that for every host except loopback addresses.
   */
  readonly allowPlainLogin?: boolean;
  readonly username: string;
  /** The account password or, at Fastmail, iCloud and Gmail, an app password. */
  readonly password: string;
}

/** Server and login of the CalDAV and CardDAV side of a mailbox. */
export interface DavServerOptions {
  /**
   * Start of discovery: the server root or the principal URL. `/.well-known/caldav` and `/.well-known/carddav`
   * below its origin are tried when the URL itself names no principal.
   */
  readonly serverUrl: string;
  /** Start of CardDAV discovery where a provider serves contacts from another host (iCloud, Fastmail); absent: serverUrl. */
  readonly contactsServerUrl?: string;
  readonly username: string;
  readonly password: string;
  /** Calendar collection for events; absent: the first calendar of the calendar home that contains VEVENT. */
  readonly eventCalendarUrl?: string;
  /** Calendar collection for tasks; absent: the first calendar of the calendar home that contains VTODO. */
  readonly taskCalendarUrl?: string;
  /** Address book collection; absent: the first address book of the address book home. */
  readonly addressBookUrl?: string;
}

/** Settings of every source (events, tasks, contacts, messages) of one IMAP/CalDAV/CardDAV mailbox. */
export interface ImapCalDavOptions {
  readonly imap: ImapServerOptions;
  readonly dav: DavServerOptions;
  /** IANA zone for floating times, all-day events and task dates. */
  readonly mailboxTimeZone: string;
  /** IMAP keyword that marks a message for saving to Salesforce; default `$Salesforce`. */
  readonly salesforceKeyword?: string;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Milliseconds before a request or an IMAP command without a response counts as a network failure; default 60 s. */
  readonly timeoutMs?: number;
  /**
   * Method of finding changes. `auto` (the default) uses sync-collection (RFC 6578) and CONDSTORE (RFC 7162) where the
   * server offers them. `basic` compares ETags and UIDs only, as on servers without them.
   */
  readonly changeDetection?: 'auto' | 'basic';
}

export const DEFAULT_SALESFORCE_KEYWORD = '$Salesforce';
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Check the options once, so a bad value fails at start with its name and the fix, not in the first session. */
export function validateOptions(options: ImapCalDavOptions): void {
  requireText(options.imap?.host, 'imap.host', 'the IMAP server name, e.g. imap.fastmail.com');
  requireText(options.imap.username, 'imap.username', 'the IMAP login name');
  requireText(options.imap.password, 'imap.password', 'the IMAP password or app password');
  if (!Number.isInteger(options.imap.port) || options.imap.port < 1 || options.imap.port > 65_535) {
    throw new Error(`imap.port ${options.imap.port} is invalid: use 993 for TLS or 143 for STARTTLS`);
  }

  requireText(options.dav?.username, 'dav.username', 'the CalDAV/CardDAV login name');
  requireText(options.dav.password, 'dav.password', 'the CalDAV/CardDAV password or app password');
  for (const key of ['serverUrl', 'contactsServerUrl', 'eventCalendarUrl', 'taskCalendarUrl', 'addressBookUrl'] as const) {
    const value = options.dav[key];
    if (value !== undefined || key === 'serverUrl') {
      requireUrl(value, `dav.${key}`);
    }
  }

  const keywordError = keywordProblem(options.salesforceKeyword ?? DEFAULT_SALESFORCE_KEYWORD);
  if (keywordError !== null) {
    throw new Error(keywordError);
  }
  if (options.timeoutMs !== undefined && (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1)) {
    throw new Error(`timeoutMs ${options.timeoutMs} is invalid: use a whole number of milliseconds, or leave it out`);
  }
}

function requireText(value: string | undefined, key: string, hint: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`${key} is missing: set it to ${hint}`);
  }
}

function requireUrl(value: string | undefined, key: string): void {
  let url: URL;
  try {
    url = new URL(value ?? '');
  } catch {
    throw new Error(`${key} "${value ?? ''}" is not a URL: use an http(s) URL such as https://caldav.fastmail.com/`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`${key} "${value}" is not an http(s) URL: use one such as https://caldav.fastmail.com/`);
  }
}
