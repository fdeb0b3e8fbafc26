import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Change } from '../src/domain/connector.ts';
import type { MailMessage, MessageScope } from '../src/domain/email-message.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createImapCalDavConnector, watchImap, type ImapChange } from '../src/mailbox/imap-caldav/index.ts';
import { ImapCalDavWorld, type ImapCalDavAccount } from './support/imap-caldav-world.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

/** The IMAP message source and the IDLE watch against a real Dovecot. */

const world = new ImapCalDavWorld();
const SCOPE: MessageScope = { folders: ['inbox', 'sent', 'salesforce'], since: '2026-01-01T00:00:00.000Z' };
const MARKERS = { category: 'Salesforce', folderName: 'Salesforce' };

beforeAll(async () => {
  if (ImapCalDavWorld.skipReason === null) {
    await world.start();
  }
});
afterAll(() => world.stop());

function rawMessage(subject: string, options: { from?: string; to?: string; messageId?: string; references?: string; attachment?: boolean } = {}): string {
  const boundary = 'b1';
  const headers = [
    `From: ${options.from ?? 'Kai Berg <kai@fabrikam.example.com>'}`,
    `To: ${options.to ?? 'Dana Whitlock <dana@example.com>'}`,
    'Cc: Ines <ines@fabrikam.example.com>',
    `Subject: ${subject}`,
    'Date: Mon, 04 May 2026 13:00:00 +0000',
    `Message-ID: ${options.messageId ?? `<${subject.replace(/\W+/g, '-')}@fabrikam.example.com>`}`,
    ...(options.references ? [`References: ${options.references}`, `In-Reply-To: ${options.references.split(' ').at(-1)}`] : []),
    'MIME-Version: 1.0',
  ];
  if (!options.attachment) {
    return [...headers, 'Content-Type: text/plain; charset=utf-8', '', `Body of ${subject}.`, ''].join('\r\n');
  }
  return [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${subject}.`,
    `--${boundary}`,
    'Content-Type: application/pdf; name="quote.pdf"',
    'Content-Disposition: attachment; filename="quote.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 quote').toString('base64'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

async function append(account: ImapCalDavAccount, folder: string, raw: string, flags: string[] = []): Promise<number> {
  const client = await world.imapClient(account.user);
  try {
    const result = await client.append(folder, raw, flags);
    return result === false ? 0 : (result.uid ?? 0);
  } finally {
    await client.logout();
  }
}

async function addFlags(account: ImapCalDavAccount, folder: string, uid: number, flags: string[]): Promise<void> {
  const client = await world.imapClient(account.user);
  try {
    await client.mailboxOpen(folder);
    await client.messageFlagsAdd(String(uid), flags, { uid: true });
  } finally {
    await client.logout();
  }
}

function upserts(changes: readonly Change<MailMessage>[]): Extract<Change<MailMessage>, { kind: 'upsert' }>[] {
  return changes.filter((change): change is Extract<Change<MailMessage>, { kind: 'upsert' }> => change.kind === 'upsert');
}

describe.skipIf(ImapCalDavWorld.skipReason !== null)('IMAP message source on Dovecot', () => {
  it('ensureMarkers creates the folder once', async () => {
    const account = await world.newAccount();

    await account.connector.messages.ensureMarkers(MARKERS);
    await account.connector.messages.ensureMarkers(MARKERS);

    const client = await world.imapClient(account.user);
    const folders = (await client.list()).map((folder) => folder.path);
    await client.logout();
    expect(folders.filter((folder) => folder === 'Salesforce')).toHaveLength(1);
  });

  it('first pull reads folders by role', async () => {
    const account = await world.newAccount();
    await account.connector.messages.ensureMarkers(MARKERS);
    await append(account, 'INBOX', rawMessage('Quote request', { attachment: true }), ['$Salesforce', '\\Seen', '$Forwarded', 'Customer']);
    await append(account, 'Sent', rawMessage('Re: Quote request', { from: 'Dana Whitlock <dana@example.com>', to: 'kai@fabrikam.example.com', references: '<Quote-request@fabrikam.example.com>' }));
    await append(account, 'Salesforce', rawMessage('Filed by hand'));
    await append(account, 'Trash', rawMessage('Thrown away'));

    const pull = await account.connector.messages.pullMessages(null, SCOPE);

    expect(pull.isFullListing).toBe(true);
    const bySubject = new Map(upserts(pull.changes).map((change) => [change.item.subject, change]));
    expect([...bySubject.keys()].sort()).toEqual(['Filed by hand', 'Quote request', 'Re: Quote request']);
    const quote = bySubject.get('Quote request')?.item;
    expect(quote?.folder).toBe('inbox');
    expect(quote?.categories).toEqual(['Salesforce', 'Customer']);
    expect(quote?.from).toEqual({ address: 'kai@fabrikam.example.com', name: 'Kai Berg' });
    expect(quote?.to).toEqual([{ address: 'dana@example.com', name: 'Dana Whitlock' }]);
    expect(quote?.cc).toEqual([{ address: 'ines@fabrikam.example.com', name: 'Ines' }]);
    expect(quote?.internetMessageId).toBe('<Quote-request@fabrikam.example.com>');
    expect(quote?.sentAt).toBe('2026-05-04T13:00:00.000Z');
    expect(quote?.bodyText?.trim()).toBe('Body of Quote request.');
    expect(quote?.attachments).toEqual([{ id: '0', name: 'quote.pdf', contentType: 'application/pdf', size: 14, isInline: false, contentId: null }]);
    const reply = bySubject.get('Re: Quote request')?.item;
    expect(reply?.folder).toBe('sent');
    expect(reply?.inReplyTo).toBe('<Quote-request@fabrikam.example.com>');
    expect(reply?.conversationId).toBe('<Quote-request@fabrikam.example.com>');
    expect(bySubject.get('Filed by hand')?.item.folder).toBe('salesforce');

    const id = bySubject.get('Quote request')?.id ?? '';
    const bytes = await account.connector.messages.readAttachment(id, '0');
    expect(Buffer.from(bytes).toString('latin1')).toBe('%PDF-1.4 quote');
    const read = await account.connector.messages.readMessages([id, '1:999:INBOX']);
    expect([...read.keys()]).toEqual([id]);
    expect(read.get(id)?.item.subject).toBe('Quote request');
  });

  it('keyword added later is read once', async () => {
    const account = await world.newAccount();
    await account.connector.messages.ensureMarkers(MARKERS);
    const uid = await append(account, 'INBOX', rawMessage('Pricing question'));
    const first = await account.connector.messages.pullMessages(null, SCOPE);
    expect(upserts(first.changes).map((change) => change.item.categories)).toEqual([[]]);
    const quiet = await account.connector.messages.pullMessages(first.nextCursor, SCOPE);
    expect(quiet.changes).toEqual([]);

    await addFlags(account, 'INBOX', uid, ['$Salesforce']);
    const delta = await account.connector.messages.pullMessages(quiet.nextCursor, SCOPE);
    const after = await account.connector.messages.pullMessages(delta.nextCursor, SCOPE);

    expect(delta.isFullListing).toBe(false);
    expect(upserts(delta.changes).map((change) => [change.item.subject, change.item.categories])).toEqual([['Pricing question', ['Salesforce']]]);
    expect(after.changes).toEqual([]);
  });

  it('flagged message read once after a dropped connection', async () => {
    const account = await world.newAccount();
    const proxy = new TcpProxy(world.imapPort);
    const port = await proxy.start();
    try {
      const source = createImapCalDavConnector({ ...account.options, imap: { ...account.options.imap, port } }).messages;
      await source.ensureMarkers(MARKERS);
      await append(account, 'INBOX', rawMessage('Older mail'));
      const first = await source.pullMessages(null, SCOPE);
      const uid = await append(account, 'INBOX', rawMessage('Contract draft', { attachment: true }));
      await addFlags(account, 'INBOX', uid, ['$Salesforce']);

      proxy.dropWhenServerSends(/BODY\[\] \{/);
      const dropped = await source.pullMessages(first.nextCursor, SCOPE).catch((error: unknown) => error);
      const retried = await source.pullMessages(first.nextCursor, SCOPE);
      const next = await source.pullMessages(retried.nextCursor, SCOPE);

      expect(proxy.drops).toBe(1);
      expect(isConnectorError(dropped, 'retryLater')).toBe(true);
      const flagged = [...upserts(retried.changes), ...upserts(next.changes)].filter((change) => change.item.categories.includes('Salesforce'));
      expect(flagged.map((change) => change.item.subject)).toEqual(['Contract draft']);
      expect(next.changes).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it('without CONDSTORE a new keyword is noticed', async () => {
    const account = await world.newAccount({ changeDetection: 'basic' });
    const source = account.connector.messages;
    await source.ensureMarkers(MARKERS);
    const uid = await append(account, 'INBOX', rawMessage('Old thread'));
    const first = await source.pullMessages(null, SCOPE);
    expect(JSON.parse(first.nextCursor)).toMatchObject({ folders: { inbox: { modseq: null, marked: [] } } });

    await addFlags(account, 'INBOX', uid, ['$Salesforce']);
    await append(account, 'INBOX', rawMessage('New mail'));
    const delta = await source.pullMessages(first.nextCursor, SCOPE);
    const after = await source.pullMessages(delta.nextCursor, SCOPE);

    expect(upserts(delta.changes).map((change) => change.item.subject).sort()).toEqual(['New mail', 'Old thread']);
    expect(after.changes).toEqual([]);
  });

  it('recreated folder expires the cursor', async () => {
    const account = await world.newAccount();
    await account.connector.messages.ensureMarkers(MARKERS);
    await append(account, 'Salesforce', rawMessage('Filed'));
    const first = await account.connector.messages.pullMessages(null, SCOPE);
    const client = await world.imapClient(account.user);
    await client.mailboxDelete('Salesforce');
    await client.mailboxCreate('Salesforce');
    await client.logout();

    const failure = await account.connector.messages.pullMessages(first.nextCursor, SCOPE).catch((error: unknown) => error);

    expect(isConnectorError(failure, 'cursorExpired')).toBe(true);
    const full = await account.connector.messages.pullMessages(null, SCOPE);
    expect(full.isFullListing).toBe(true);
  });

  it('wrong password suspends', async () => {
    const account = await world.newAccount();
    const locked = createImapCalDavConnector({ ...account.options, imap: { ...account.options.imap, password: 'wrong' } });

    const failure = await locked.messages.pullMessages(null, SCOPE).catch((error: unknown) => error);

    expect(isConnectorError(failure, 'suspend')).toBe(true);
  });

  it('IDLE announces new mail', async () => {
    const account = await world.newAccount();
    const changes: ImapChange[] = [];
    const arrived = new Promise<void>((resolve) => {
      const watch = watchImap(account.options, (change) => {
        changes.push(change);
        resolve();
      });
      onTestFinished(() => watch.close());
    });
    // Give the watch time to log in and enter IDLE before mail arrives.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await append(account, 'INBOX', rawMessage('Arrives during IDLE'));
    await arrived;

    expect(changes[0]).toEqual({ folder: 'INBOX', kind: 'exists' });
  });
});
