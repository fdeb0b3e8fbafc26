import { ImapFlow } from 'imapflow';
import { createImapCalDavConnector, type ImapCalDavConnector, type ImapCalDavOptions } from '../../src/mailbox/imap-caldav/index.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { missingServers, startDovecot, startRadicale, type RunningServer, type TestUser } from './mail-servers.ts';

/**
 * One Dovecot and one Radicale per test file, with a pool of throwaway users: each test takes a fresh user, so it
 * starts with an empty mailbox and its own calendars and address book.
 */
export const MAILBOX_ZONE = 'Europe/Berlin';
const POOL_SIZE = 24;

export interface ImapCalDavAccount {
  readonly user: TestUser;
  readonly options: ImapCalDavOptions;
  readonly connector: ImapCalDavConnector;
  /** Collection URLs created for this user. */
  readonly urls: { readonly events: string; readonly tasks: string; readonly contacts: string };
}

const SKIP_REASON = missingServers();
if (SKIP_REASON !== null) {
  console.warn(`IMAP/CalDAV tests skipped: ${SKIP_REASON}`);
}

export class ImapCalDavWorld {
  private dovecot: RunningServer | null = null;
  private radicale: RunningServer | null = null;
  private next = 0;
  readonly users: TestUser[] = Array.from({ length: POOL_SIZE }, (_, index) => ({ name: `user${index + 1}`, password: `secret-${index + 1}-pw` }));

  /** Why the tests cannot run here, or null; tests call `describe.skipIf(...)` with it. */
  static readonly skipReason = SKIP_REASON;

  async start(): Promise<void> {
    [this.dovecot, this.radicale] = await Promise.all([startDovecot(this.users), startRadicale(this.users)]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.dovecot?.stop(), this.radicale?.stop()]);
  }

  get imapPort(): number {
    return this.server(this.dovecot).port;
  }

  get davUrl(): string {
    return `http://127.0.0.1:${this.server(this.radicale).port}/`;
  }

  /** A fresh user with an events calendar, a tasks calendar and an address book, and a connector for it. */
  async newAccount(overrides: Partial<ImapCalDavOptions> = {}): Promise<ImapCalDavAccount> {
    const user = this.users[this.next];
    if (user === undefined) {
      throw new Error(`the pool of ${POOL_SIZE} test users is used up: raise POOL_SIZE in tests/support/imap-caldav-world.ts`);
    }
    this.next += 1;

    const home = `${this.davUrl}${user.name}/`;
    const urls = { events: `${home}events/`, tasks: `${home}tasks/`, contacts: `${home}contacts/` };
    await this.dav(user, 'PROPFIND', home, undefined, { depth: '0' });
    await this.dav(user, 'MKCALENDAR', urls.events, calendarBody('Events', 'VEVENT'));
    await this.dav(user, 'MKCALENDAR', urls.tasks, calendarBody('Tasks', 'VTODO'));
    await this.dav(user, 'MKCOL', urls.contacts, ADDRESS_BOOK_BODY);

    const options: ImapCalDavOptions = {
      imap: { host: '127.0.0.1', port: this.imapPort, secure: false, username: user.name, password: user.password },
      dav: { serverUrl: this.davUrl, username: user.name, password: user.password },
      mailboxTimeZone: MAILBOX_ZONE,
      logger: createSilentLogger(),
      timeoutMs: 10_000,
      ...overrides,
    };
    return { user, options, connector: createImapCalDavConnector(options), urls };
  }

  /** Send a raw WebDAV request as the user and return the response body, failing the test on anything but 2xx. */
  async dav(user: TestUser, method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<string> {
    const response = await fetch(url, {
      method,
      headers: { authorization: basic(user), 'content-type': 'application/xml; charset=utf-8', ...headers },
      body,
    });
    const text = await response.text();
    if (response.status >= 300) {
      throw new Error(`${method} ${url} failed with ${response.status}: ${text}`);
    }
    return text;
  }

  /** Store a resource as a client would, and return its ETag. */
  async put(user: TestUser, url: string, text: string, contentType = 'text/calendar; charset=utf-8'): Promise<string> {
    const response = await fetch(url, { method: 'PUT', headers: { authorization: basic(user), 'content-type': contentType }, body: text });
    const answer = await response.text();
    if (response.status >= 300) {
      throw new Error(`PUT ${url} failed with ${response.status}: ${answer}`);
    }
    return response.headers.get('etag') ?? '';
  }

  async get(user: TestUser, url: string): Promise<{ status: number; text: string; etag: string | null }> {
    const response = await fetch(url, { headers: { authorization: basic(user) } });
    return { status: response.status, text: await response.text(), etag: response.headers.get('etag') };
  }

  /** An IMAP client logged in as the user, for setting up mail the way another client would. */
  async imapClient(user: TestUser): Promise<ImapFlow> {
    const client = new ImapFlow({ host: '127.0.0.1', port: this.imapPort, secure: false, auth: { user: user.name, pass: user.password }, logger: false });
    await client.connect();
    return client;
  }

  private server(server: RunningServer | null): RunningServer {
    if (server === null) {
      throw new Error('start the servers first: call world.start() in beforeAll');
    }
    return server;
  }
}

function basic(user: TestUser): string {
  return `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;
}

function calendarBody(name: string, component: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>${name}</D:displayname><C:supported-calendar-component-set><C:comp name="${component}"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>`;
}

const ADDRESS_BOOK_BODY =
  '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype><D:displayname>Contacts</D:displayname></D:prop></D:set></D:mkcol>';
