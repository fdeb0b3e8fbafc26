import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.ts';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { Change } from '../src/domain/connector.ts';
import type { MailMessage, MessageScope } from '../src/domain/email-message.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createImapCalDavConnector } from '../src/mailbox/imap-caldav/index.ts';
import { MAX_ITERATIONS } from '../src/mailbox/imap-caldav/ical/event-expansion.ts';
import { eventKind } from '../src/mailbox/imap-caldav/ical/event-kind.ts';
import { classifyImapError } from '../src/mailbox/imap-caldav/imap/classify-imap-error.ts';
import { storesKeyword } from '../src/mailbox/imap-caldav/imap/ensure-markers.ts';
import { isLoopbackHost, startTlsPolicy } from '../src/mailbox/imap-caldav/imap/imap-connection.ts';
import { createLogger, type Logger } from '../src/observability/logger.ts';
import { ImapCalDavWorld, type ImapCalDavAccount } from './support/imap-caldav-world.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

/** Keyword check, partial message reads, long series, URI escaping, STARTTLS and configuration checks, on real servers. */

const world = new ImapCalDavWorld();
const MARKERS = { category: 'Salesforce', folderName: 'Salesforce' };

beforeAll(async () => {
  if (ImapCalDavWorld.skipReason === null) {
    await world.start();
  }
});
afterAll(() => world.stop());

/** Create a logger that keeps every line it writes, parsed. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

function upserts(changes: readonly Change<MailMessage>[]): Extract<Change<MailMessage>, { kind: 'upsert' }>[] {
  return changes.filter((change): change is Extract<Change<MailMessage>, { kind: 'upsert' }> => change.kind === 'upsert');
}

function largeMessage(index: number, bytes: number): string {
  const line = 'x'.repeat(76);
  const body = Array.from({ length: Math.ceil(bytes / 78) }, () => line).join('\r\n');
  return [
    'From: Kai Berg <kai@fabrikam.example.com>',
    'To: Dana Whitlock <dana@example.com>',
    `Subject: Large report ${index}`,
    'Date: Mon, 04 May 2026 13:00:00 +0000',
    `Message-ID: <large-${index}@fabrikam.example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    body,
    '',
  ].join('\r\n');
}

async function withClient<T>(account: ImapCalDavAccount, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = await world.imapClient(account.user);
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}

describe('storesKeyword', () => {
  it('reads PERMANENTFLAGS as RFC 3501 does', () => {
    expect(storesKeyword({ permanentFlags: new Set(['\\Seen', '\\*']), readOnly: false }, '$Salesforce')).toBe(true);
    expect(storesKeyword({ permanentFlags: new Set(['\\Seen', '$salesforce']), readOnly: false }, '$Salesforce')).toBe(true);
    expect(storesKeyword({ permanentFlags: new Set(['\\Seen']), readOnly: false }, '$Salesforce')).toBe(false);
    expect(storesKeyword({ permanentFlags: undefined, readOnly: false }, '$Salesforce')).toBe(true);
    expect(storesKeyword({ permanentFlags: new Set(['\\*']), readOnly: true }, '$Salesforce')).toBe(false);
  });
});

describe('STARTTLS policy', () => {
  const server = { host: 'imap.example.com', port: 143, secure: false, username: 'dana', password: 'pw' };

  it('requires STARTTLS off loopback', () => {
    expect(startTlsPolicy(server)).toBe(true);
    expect(startTlsPolicy({ ...server, allowPlainLogin: true })).toBeUndefined();
    expect(startTlsPolicy({ ...server, secure: true, port: 993 })).toBeUndefined();
    expect(startTlsPolicy({ ...server, host: '127.0.0.1' })).toBeUndefined();
  });

  it('knows loopback hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'LOCALHOST.']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['imap.example.com', '10.0.0.1', '128.0.0.1', 'localhost.example.com', '::2']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('salesforceKeyword in the configuration', () => {
  function config(salesforceKeyword: string) {
    return {
      orgs: [
        {
          id: 'acme',
          name: 'Acme Corp',
          salesforce: { auth: { kind: 'refreshToken', clientId: 'consumer-key', clientSecret: 'consumer-secret', refreshToken: 'refresh-1' } },
          mailboxes: [
            {
              address: 'dana@acme.example.com',
              timeZone: 'Europe/Berlin',
              kind: 'imap-caldav',
              imapCaldav: {
                imap: { host: 'imap.acme.example.com', port: 993, secure: true, username: 'dana', password: 'imap-secret' },
                dav: { serverUrl: 'https://dav.acme.example.com/', username: 'dana', password: 'dav-secret' },
                salesforceKeyword,
              },
            },
          ],
        },
      ],
    };
  }
  const parse = (raw: unknown) => parseConfig(raw, { source: 'test', env: {}, baseDir: '/tmp' });

  it('rejects a non-ASCII keyword at load', () => {
    expect(() => parse(config('$Sälesforce'))).toThrow(ConfigError);
    expect(() => parse(config('$Sälesforce'))).toThrow(/salesforceKeyword "\$Sälesforce" is not a valid IMAP keyword: use ASCII letters/);
  });

  it('accepts what the connector accepts', () => {
    const parsed = parse(config('$Salesforce-Save'));
    expect(parsed.orgs[0]?.mailboxes[0]?.imapCaldav?.salesforceKeyword).toBe('$Salesforce-Save');
    expect(parsed.orgs[0]?.mailboxes[0]?.imapCaldav?.imap.allowPlainLogin).toBe(false);
  });
});

describe('hourly series begun years ago', () => {
  const WEEK = { start: '2026-03-02T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z' };
  const resource = (rule: string, start = '20100101T090000Z') => ({
    href: '/cal/hourly.ics',
    etag: '"1"',
    data: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', 'UID:hourly-1', `DTSTART:${start}`, 'DURATION:PT20M', `RRULE:${rule}`, 'SUMMARY:Ping', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
  });
  const startsOf = (items: { item: CalendarEvent }[]) => items.map(({ item }) => (item.span.kind === 'timed' ? item.span.start : item.span.startDate));

  it('expands every hour of the window', () => {
    const { logger, lines } = capturingLogger();
    const starts = startsOf(eventKind('Europe/Berlin', logger).itemsOf(resource('FREQ=HOURLY'), WEEK));
    expect(starts).toHaveLength(7 * 24);
    expect(starts[0]).toBe('2026-03-02T00:00:00.000Z');
    expect(starts.at(-1)).toBe('2026-03-08T23:00:00.000Z');
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
  });

  it('keeps interval and BY parts aligned', () => {
    const every5 = startsOf(eventKind('Europe/Berlin').itemsOf(resource('FREQ=HOURLY;INTERVAL=5'), WEEK));
    const step = 5 * 3_600_000;
    const origin = Date.parse('2010-01-01T09:00:00.000Z');
    // The first slot ends after the week starts: DTSTART plus the smallest multiple of 5 hours that gets there.
    const first = origin + Math.ceil((Date.parse(WEEK.start) - 20 * 60_000 - origin) / step) * step;
    expect(every5[0]).toBe(new Date(first).toISOString());
    expect(every5).toHaveLength(Math.ceil((Date.parse(WEEK.end) - first) / step));
    expect(every5.every((start) => (Date.parse(start) - origin) % step === 0)).toBe(true);

    const mondays = startsOf(eventKind('Europe/Berlin').itemsOf(resource('FREQ=HOURLY;BYDAY=MO;BYMINUTE=0,30'), WEEK));
    expect(mondays).toHaveLength(48);
    expect(mondays[0]).toBe('2026-03-02T00:00:00.000Z');
    expect(mondays.at(-1)).toBe('2026-03-02T23:30:00.000Z');
  });

  it('finds an instance by its key', () => {
    const kind = eventKind('Europe/Berlin');
    const found = kind.findItem(resource('FREQ=MINUTELY;INTERVAL=15'), '/cal/hourly.ics#2026-03-04T10:15:00.000Z');
    expect(found?.item.span).toMatchObject({ kind: 'timed', start: '2026-03-04T10:15:00.000Z', end: '2026-03-04T10:35:00.000Z' });
  });

  it('warns when the cap cuts a series', () => {
    const { logger, lines } = capturingLogger();
    // COUNT keeps the iteration at DTSTART, so the cap is spent a month before the window.
    const items = eventKind('Europe/Berlin', logger).itemsOf(resource('FREQ=SECONDLY;COUNT=200000', '20260201T000000Z'), WEEK);
    expect(items).toEqual([]);
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ uid: 'hourly-1', cap: MAX_ITERATIONS });
    expect(String(warnings[0]?.msg)).toContain('the later ones are left out');
  });
});

describe.skipIf(ImapCalDavWorld.skipReason !== null)('review fixes on Dovecot and Radicale', () => {
  it('ensureMarkers logs no false keyword warning', async () => {
    const { logger, lines } = capturingLogger();
    const account = await world.newAccount({ logger });
    await account.connector.messages.ensureMarkers(MARKERS);
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
  });

  it('flag changes do not download bodies again', async () => {
    const account = await world.newAccount();
    const proxy = new TcpProxy(world.imapPort);
    const port = await proxy.start();
    try {
      const connector = createImapCalDavConnector({ ...account.options, imap: { ...account.options.imap, port } });
      await connector.messages.ensureMarkers(MARKERS);
      const uids = await withClient(account, async (client) => {
        const appended: number[] = [];
        for (let index = 0; index < 5; index += 1) {
          const result = await client.append('INBOX', largeMessage(index, 1_000_000), []);
          appended.push(result === false ? 0 : (result.uid ?? 0));
        }
        return appended;
      });
      const scope: MessageScope = { folders: ['inbox', 'sent', 'salesforce'], since: '2026-01-01T00:00:00.000Z', readBodies: 'marked' };

      const before = proxy.bytesFromServer;
      const first = await connector.messages.pullMessages(null, scope);
      expect(proxy.bytesFromServer - before).toBeLessThan(100_000);
      const listed = upserts(first.changes);
      expect(listed.map((change) => change.item.subject).sort()).toEqual([0, 1, 2, 3, 4].map((index) => `Large report ${index}`));
      expect(listed.every((change) => change.item.bodyText === null && change.item.from?.address === 'kai@fabrikam.example.com')).toBe(true);

      await withClient(account, async (client) => {
        await client.mailboxOpen('INBOX');
        await client.messageFlagsAdd(uids.join(','), ['\\Seen'], { uid: true });
        await client.messageFlagsAdd(String(uids[2]), ['$Salesforce'], { uid: true });
      });
      const beforeDelta = proxy.bytesFromServer;
      const delta = await connector.messages.pullMessages(first.nextCursor, scope);
      const deltaBytes = proxy.bytesFromServer - beforeDelta;
      // Only the marked message comes in full: about 1 MB, not 5.
      expect(deltaBytes).toBeGreaterThan(1_000_000);
      expect(deltaBytes).toBeLessThan(1_300_000);
      const changed = upserts(delta.changes);
      expect(changed).toHaveLength(5);
      const marked = changed.find((change) => change.item.subject === 'Large report 2');
      expect(marked?.item.categories).toEqual(['Salesforce']);
      expect(marked?.item.bodyText?.length).toBeGreaterThan(900_000);
      expect(changed.filter((change) => change.item.bodyText === null)).toHaveLength(4);

      // Without the hint every changed message is read in full, as before.
      const all = await connector.messages.pullMessages(first.nextCursor, { ...scope, readBodies: 'all' });
      expect(upserts(all.changes).every((change) => (change.item.bodyText?.length ?? 0) > 900_000)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('rejects a clear-text login off loopback', async () => {
    const account = await world.newAccount();
    // The policy for a remote host, applied to a connection to the local Dovecot, which offers no STARTTLS.
    const remote = { ...account.options.imap, host: 'imap.example.com' };
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: world.imapPort,
      secure: false,
      doSTARTTLS: startTlsPolicy(remote),
      auth: { user: account.user.name, pass: account.user.password },
      logger: false,
    });
    client.on('error', () => undefined);
    const failure = await client.connect().then(
      () => null,
      (error: unknown) => classifyImapError(error),
    );
    client.close();
    expect(failure).toMatchObject({ kind: 'suspend', code: 'STARTTLS_REQUIRED' });
    expect(failure?.message).toContain('imap.allowPlainLogin');

    const local = await account.connector.messages.pullMessages(null, { folders: ['inbox'], since: '2026-01-01T00:00:00.000Z' });
    expect(local.changes).toEqual([]);
  });

  it('keeps vCard 4.0 URI values stable', async () => {
    const account = await world.newAccount();
    const url = `${account.urls.contacts}photo.vcf`;
    const card = ['BEGIN:VCARD', 'VERSION:4.0', 'UID:photo-1', 'FN:Ana Test', 'N:Test;Ana;;;', 'PHOTO:data:image/png;base64,iVBORw0KGgo=', 'URL:https://ana.example.com/a;b?x=1,2', 'END:VCARD', ''].join('\r\n');
    await world.put(account.user, url, card, 'text/vcard; charset=utf-8');
    const lines = async () => (await world.get(account.user, url)).text.split(/\r?\n/).filter((line) => /^(PHOTO|URL)/.test(line));
    // Radicale stores the URIs in its own escaped form; writes through the connector must give that same text back.
    const stored = await lines();
    expect(stored).toHaveLength(2);

    for (const jobTitle of ['Buyer', 'Head buyer']) {
      const [contact] = upserts((await account.connector.contacts.pullChanges(null, { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' })).changes as never);
      const [result] = await account.connector.contacts.applyWrites([{ op: 'update', ref: 'u', id: contact?.id ?? '', patch: { jobTitle }, expectedVersion: contact?.version ?? null }]);
      expect(result).toMatchObject({ ok: true });
      expect(await lines()).toEqual(stored);
    }
  });

  it('names the missing calendar plainly', async () => {
    const account = await world.newAccount();
    await world.dav(account.user, 'DELETE', account.urls.events);
    await world.dav(account.user, 'DELETE', account.urls.tasks);
    const failure = await account.connector.events.pullChanges(null, { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' }).catch((error: unknown) => error);
    expect(isConnectorError(failure, 'suspend')).toBe(true);
    expect((failure as Error).message).toContain(`the caldav account of ${account.user.name} has no calendar that holds VEVENT: create one`);
    expect((failure as Error).message).toContain('dav.eventCalendarUrl');
  });
});
