import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../src/domain/connector.ts';
import type { MailMessage, MessageScope, MessageSource } from '../src/domain/email-message.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createGraphMessageSource, type GraphConnectorOptions } from '../src/mailbox/graph/index.ts';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulators/graph/server.ts';
import { emlSeed, type TestEml } from '../emulators/graph/test-eml.ts';

const CLIENT = { tenantId: 'contoso', clientId: 'syncline-mail-test', clientSecret: 'test-secret' };
const MARKERS = { category: 'Salesforce', folderName: 'Salesforce' };
const SCOPE: MessageScope = { folders: ['inbox', 'sent', 'salesforce'], since: '2026-10-01T00:00:00Z' };
const INBOX_ONLY: MessageScope = { folders: ['inbox'], since: SCOPE.since };
const PDF_BYTES = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0x00, 0xff, 0x80, 0x0d, 0x0a]);

let emulator: RunningGraphEmulator;
let userCount = 0;

beforeAll(async () => {
  emulator = await startGraphEmulator({ clients: [CLIENT] });
});

afterAll(async () => {
  await emulator.close();
});

// Tests read arbitrary JSON shapes from the emulator; a loose type keeps them short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${method} ${new URL(url).pathname} failed with ${response.status}: ${await response.text()}`);
  }
  return response.status === 204 ? null : response.json();
}

interface Mailbox {
  readonly address: string;
  readonly waits: number[];
  readonly source: MessageSource;
  seed(messages: Record<string, unknown>[]): Promise<string[]>;
  graph(method: string, path: string, body?: unknown): Promise<Json>;
}

/** Create a fresh mailbox per test, so tests share one emulator without seeing each other's mail. */
async function newMailbox(overrides: Partial<GraphConnectorOptions> = {}): Promise<Mailbox> {
  userCount += 1;
  const address = `mail${userCount}@contoso.example`;
  const userPath = `/users/${encodeURIComponent(address)}`;
  await call('POST', `${emulator.url}/_admin/users`, { userPrincipalName: address, displayName: `Mail User ${userCount}` });
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, scope: 'https://graph.microsoft.com/.default' });
  const tokenResponse = await fetch(`${emulator.url}/${CLIENT.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form });
  const token = ((await tokenResponse.json()) as { access_token: string }).access_token;

  const waits: number[] = [];
  const source = createGraphMessageSource({
    graphBaseUrl: `${emulator.url}/v1.0`,
    tokenUrl: `${emulator.url}/${CLIENT.tenantId}/oauth2/v2.0/token`,
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    userId: address,
    mailboxTimeZone: 'UTC',
    logger: createSilentLogger(),
    sleep: async (ms) => void waits.push(ms),
    ...overrides,
  });

  return {
    address,
    waits,
    source,
    seed: async (messages) => ((await call('POST', `${emulator.url}/_admin${userPath}/messages/seed`, { messages })).results as { id: string }[]).map((result) => result.id),
    graph: (method, path, body) => call(method, `${emulator.url}/v1.0${userPath}${path}`, body, { authorization: `Bearer ${token}` }),
  };
}

function upserts(changes: readonly Change<MailMessage>[]): Map<string, MailMessage> {
  return new Map(changes.flatMap((change) => (change.kind === 'upsert' ? [[change.id, change.item] as const] : [])));
}

function bySubject(changes: readonly Change<MailMessage>[]): Map<string, MailMessage> {
  return new Map([...upserts(changes).values()].map((message) => [message.subject, message]));
}

const received = (subject: string, extra: Partial<TestEml> = {}): TestEml => ({ subject, date: 'Tue, 03 Nov 2026 10:00:00 +0000', ...extra });

describe('graph message source', () => {
  it('ensureMarkers creates the category and folder once', async () => {
    const mailbox = await newMailbox();

    await mailbox.source.ensureMarkers(MARKERS);
    const callsAfterFirst = mailbox.source.calls;
    await mailbox.source.ensureMarkers(MARKERS);
    const categories = await mailbox.graph('GET', '/outlook/masterCategories');
    const folders = await mailbox.graph('GET', '/mailFolders?$top=100');

    expect(categories.value.filter((category: Json) => category.displayName === 'Salesforce')).toHaveLength(1);
    expect(folders.value.filter((folder: Json) => folder.displayName === 'Salesforce')).toHaveLength(1);
    expect(mailbox.source.calls - callsAfterFirst).toBe(1);
  });

  it('ensureMarkers finds existing markers in another letter case', async () => {
    const mailbox = await newMailbox();
    await mailbox.graph('POST', '/outlook/masterCategories', { displayName: 'SALESFORCE', color: 'preset1' });
    await mailbox.graph('POST', '/mailFolders', { displayName: 'salesforce' });

    await mailbox.source.ensureMarkers(MARKERS);
    const categories = await mailbox.graph('GET', '/outlook/masterCategories');
    const folders = await mailbox.graph('GET', '/mailFolders?$top=100');

    expect(categories.value.filter((category: Json) => category.displayName.toLowerCase() === 'salesforce')).toHaveLength(1);
    expect(folders.value.filter((folder: Json) => folder.displayName.toLowerCase() === 'salesforce')).toHaveLength(1);
  });

  it('ensureMarkers takes a 409 from a concurrent create as success', async () => {
    let concurrent: Mailbox | null = null;
    const racingFetch: typeof fetch = async (input, init) => {
      const url = String(input);
      // Another client creates both markers between our lookup and our create.
      if (init?.method === 'POST' && concurrent !== null && (url.endsWith('/mailFolders') || url.endsWith('/masterCategories'))) {
        await concurrent.graph('POST', url.endsWith('/mailFolders') ? '/mailFolders' : '/outlook/masterCategories', { displayName: 'Salesforce' });
      }
      return fetch(input, init);
    };
    const mailbox = await newMailbox({ fetch: racingFetch });
    concurrent = mailbox;

    await mailbox.source.ensureMarkers(MARKERS);
    await mailbox.seed([emlSeed(received('Filed by hand'), { folder: 'Salesforce' })]);
    const pulled = await mailbox.source.pullMessages(null, SCOPE);

    expect(bySubject(pulled.changes).get('Filed by hand')?.folder).toBe('salesforce');
  });

  it('first read lists every scoped folder with roles, bodies and headers', async () => {
    const mailbox = await newMailbox();
    await mailbox.source.ensureMarkers(MARKERS);
    await mailbox.seed([
      emlSeed(received('Quote request', { html: '<p>Please send the <b>quote</b>.</p>', headers: { 'List-Unsubscribe': '<mailto:leave@example.com>' } }), { categories: ['Salesforce'] }),
      emlSeed(received('Plain question', { text: 'Is the order shipped?' })),
      emlSeed(received('Re: Quote request', { from: 'Mail User <me@contoso.example>', inReplyTo: '<quote@customer.example>', references: ['<root@customer.example>', '<quote@customer.example>'] }), { folder: 'sentitems' }),
      emlSeed(received('Filed contract'), { folder: 'Salesforce' }),
      emlSeed(received('Draft reply'), { folder: 'drafts' }),
      emlSeed(received('Too old', { date: 'Mon, 07 Sep 2026 10:00:00 +0000' })),
    ]);

    const pulled = await mailbox.source.pullMessages(null, SCOPE);
    const messages = bySubject(pulled.changes);

    expect(pulled.isFullListing).toBe(true);
    expect([...messages.keys()].sort()).toEqual(['Filed contract', 'Plain question', 'Quote request', 'Re: Quote request']);
    expect(messages.get('Quote request')).toMatchObject({
      folder: 'inbox',
      categories: ['Salesforce'],
      bodyText: 'Please send the quote.',
      from: { address: 'dana.reyes@customer.example.com', name: 'Dana Reyes' },
      to: [{ address: 'ada@example.com', name: 'Ada Lovelace' }],
      receivedAt: '2026-11-03T10:00:00.000Z',
      isDraft: false,
    });
    expect(messages.get('Quote request')?.bodyHtml?.trim()).toBe('<p>Please send the <b>quote</b>.</p>');
    expect(messages.get('Quote request')?.headers['list-unsubscribe']).toBe('<mailto:leave@example.com>');
    expect(messages.get('Plain question')).toMatchObject({ bodyHtml: null, internetMessageId: '<Plain.question@test.example.com>' });
    expect(messages.get('Plain question')?.bodyText?.trim()).toBe('Is the order shipped?');
    expect(messages.get('Re: Quote request')).toMatchObject({
      folder: 'sent',
      headers: {},
      inReplyTo: '<quote@customer.example>',
      references: ['<root@customer.example>', '<quote@customer.example>'],
    });
    expect(messages.get('Filed contract')?.folder).toBe('salesforce');
  });

  it('pulls drafts only when the scope asks', async () => {
    const mailbox = await newMailbox();
    await mailbox.seed([emlSeed(received('Draft offer'), { folder: 'drafts' })]);

    const pulled = await mailbox.source.pullMessages(null, { folders: ['inbox', 'drafts'], since: SCOPE.since });

    expect(bySubject(pulled.changes).get('Draft offer')).toMatchObject({ folder: 'drafts', isDraft: true, sentAt: null });
  });

  it('delta after new, moved and categorized messages', async () => {
    const mailbox = await newMailbox();
    await mailbox.source.ensureMarkers(MARKERS);
    const [toMove, toTag] = await mailbox.seed([emlSeed(received('Move me')), emlSeed(received('Tag me')), emlSeed(received('Leave me'))]);
    const first = await mailbox.source.pullMessages(null, SCOPE);
    const quiet = await mailbox.source.pullMessages(first.nextCursor, SCOPE);
    const folder = (await mailbox.graph('GET', `/mailFolders?$filter=${encodeURIComponent("displayName eq 'Salesforce'")}`)).value[0];

    await mailbox.seed([emlSeed(received('Brand new'))]);
    await mailbox.graph('POST', `/messages/${toMove}/move`, { destinationId: folder.id });
    await mailbox.graph('PATCH', `/messages/${toTag}`, { categories: ['Salesforce'] });
    const next = await mailbox.source.pullMessages(quiet.nextCursor, SCOPE);
    const changed = bySubject(next.changes);

    expect(first.changes).toHaveLength(3);
    expect(quiet.changes).toEqual([]);
    expect(quiet.isFullListing).toBe(false);
    expect(next.changes.every((change) => change.kind === 'upsert')).toBe(true);
    expect([...changed.keys()].sort()).toEqual(['Brand new', 'Move me', 'Tag me']);
    expect(changed.get('Move me')?.folder).toBe('salesforce');
    expect(changed.get('Tag me')?.categories).toEqual(['Salesforce']);
    expect(next.changes.find((change) => change.id === toTag && change.kind === 'upsert')).toMatchObject({ syncId: null });
  });

  it('versions follow the change key', async () => {
    const mailbox = await newMailbox();
    const [id] = await mailbox.seed([emlSeed(received('Versioned'))]);
    const first = await mailbox.source.pullMessages(null, INBOX_ONLY);

    const patched = await mailbox.graph('PATCH', `/messages/${id}`, { categories: ['Salesforce'] });
    const next = await mailbox.source.pullMessages(first.nextCursor, INBOX_ONLY);

    const before = first.changes.find((change) => change.id === id);
    const after = next.changes.find((change) => change.id === id);
    expect(before?.kind).toBe('upsert');
    expect(after).toMatchObject({ kind: 'upsert', version: patched.changeKey });
    expect(before).not.toMatchObject({ version: patched.changeKey });
  });

  it('an expired delta link is cursorExpired', async () => {
    const mailbox = await newMailbox();
    await mailbox.seed([emlSeed(received('Before expiry'))]);
    const first = await mailbox.source.pullMessages(null, INBOX_ONLY);

    await call('POST', `${emulator.url}/_admin/faults`, { faults: [{ type: 'expireDeltaTokens' }] });
    const error = await mailbox.source.pullMessages(first.nextCursor, INBOX_ONLY).catch((caught: unknown) => caught);
    const again = await mailbox.source.pullMessages(null, INBOX_ONLY);

    expect(isConnectorError(error, 'cursorExpired')).toBe(true);
    expect(again.isFullListing).toBe(true);
    expect(bySubject(again.changes).has('Before expiry')).toBe(true);
  });

  it('an unreadable cursor is cursorExpired', async () => {
    const mailbox = await newMailbox();

    const error = await mailbox.source.pullMessages('{"format":"something-else"}', SCOPE).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'cursorExpired')).toBe(true);
  });

  it('attachment bytes equal the seeded ones', async () => {
    const mailbox = await newMailbox();
    await mailbox.seed([
      emlSeed(
        received('Signed contract', {
          html: '<p>Signed, see <img src="cid:sig@customer.example"></p>',
          attachments: [
            { name: 'contract.pdf', contentType: 'application/pdf', content: PDF_BYTES },
            { name: 'signature.png', contentType: 'image/png', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), contentId: 'sig@customer.example' },
          ],
        }),
      ),
    ]);

    const pulled = await mailbox.source.pullMessages(null, INBOX_ONLY);
    const [change] = pulled.changes;
    const message = change?.kind === 'upsert' ? change.item : null;
    const pdf = message?.attachments.find((attachment) => attachment.name === 'contract.pdf');
    const bytes = await mailbox.source.readAttachment(change?.id ?? '', pdf?.id ?? '');

    expect(message?.attachments.map((attachment) => [attachment.name, attachment.contentType, attachment.size, attachment.isInline])).toEqual([
      ['contract.pdf', 'application/pdf', PDF_BYTES.length, false],
      ['signature.png', 'image/png', 6, true],
    ]);
    expect(bytes).toEqual(PDF_BYTES);
  });

  it('reads inline-only attachments that hasAttachments leaves out', async () => {
    const mailbox = await newMailbox();
    await mailbox.seed([
      emlSeed(received('Logo only', { html: '<img src="cid:logo@x">', attachments: [{ name: 'logo.png', contentType: 'image/png', content: new Uint8Array([1, 2]), contentId: 'logo@x' }] })),
    ]);

    const pulled = await mailbox.source.pullMessages(null, INBOX_ONLY);

    expect(bySubject(pulled.changes).get('Logo only')?.attachments.map((attachment) => attachment.name)).toEqual(['logo.png']);
  });

  it('readMessages returns known ids with their folder role', async () => {
    const mailbox = await newMailbox();
    await mailbox.source.ensureMarkers(MARKERS);
    const [inInbox, inSent, inFolder] = await mailbox.seed([
      emlSeed(received('Inbox one')),
      emlSeed(received('Sent one'), { folder: 'sentitems' }),
      emlSeed(received('Folder one'), { folder: 'Salesforce' }),
    ]);
    const deleted = (await mailbox.seed([emlSeed(received('Gone soon'))]))[0] ?? '';
    await mailbox.graph('DELETE', `/messages/${deleted}`);

    const read = await mailbox.source.readMessages([inInbox ?? '', inSent ?? '', inFolder ?? '', deleted, 'not-an-id']);

    expect([...read.keys()].sort()).toEqual([inInbox, inSent, inFolder].sort());
    expect(read.get(inInbox ?? '')?.item.folder).toBe('inbox');
    expect(read.get(inSent ?? '')?.item.folder).toBe('sent');
    expect(read.get(inFolder ?? '')?.item.folder).toBe('salesforce');
    expect(read.get(inInbox ?? '')?.version).toMatch(/^CQAAAB/);
  });

  it('waits out 429 with Retry-After and finishes the pull', async () => {
    const mailbox = await newMailbox();
    await mailbox.seed([emlSeed(received('Throttled one')), emlSeed(received('Throttled two'))]);
    await call('POST', `${emulator.url}/_admin/faults`, {
      faults: [
        { type: 'throttle', count: 2, retryAfterSeconds: 3, pathPattern: 'messages/delta' },
        { type: 'throttle', count: 1, retryAfterSeconds: 2, pathPattern: '/mailFolders/inbox$' },
      ],
    });

    const pulled = await mailbox.source.pullMessages(null, INBOX_ONLY);

    expect([...bySubject(pulled.changes).keys()].sort()).toEqual(['Throttled one', 'Throttled two']);
    expect(mailbox.waits).toEqual([2000, 3000, 3000]);
  });

  it('reads a message whole when delta sends only changed properties', async () => {
    // Graph is known to return an updated message in a later round with only some properties.
    const trimmingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes('$deltatoken=')) {
        return response;
      }
      const page = (await response.json()) as { value: Record<string, unknown>[] };
      page.value = page.value.map((item) => ({ id: item.id, categories: item.categories, parentFolderId: item.parentFolderId }));
      return new Response(JSON.stringify(page), { status: response.status, headers: { 'content-type': 'application/json' } });
    };
    const mailbox = await newMailbox({ fetch: trimmingFetch });
    const [id] = await mailbox.seed([emlSeed(received('Partly sent', { text: 'Full body here' }))]);
    const first = await mailbox.source.pullMessages(null, INBOX_ONLY);

    await mailbox.graph('PATCH', `/messages/${id}`, { categories: ['Salesforce'] });
    const next = await mailbox.source.pullMessages(first.nextCursor, INBOX_ONLY);

    expect(bySubject(next.changes).get('Partly sent')).toMatchObject({ categories: ['Salesforce'], folder: 'inbox' });
    expect(bySubject(next.changes).get('Partly sent')?.bodyText?.trim()).toBe('Full body here');
  });

  it('goes on when the Salesforce folder was deleted', async () => {
    const mailbox = await newMailbox();
    await mailbox.source.ensureMarkers(MARKERS);
    await mailbox.seed([emlSeed(received('Filed then gone'), { folder: 'Salesforce' }), emlSeed(received('Still here'))]);
    const first = await mailbox.source.pullMessages(null, SCOPE);
    const folder = (await mailbox.graph('GET', `/mailFolders?$filter=${encodeURIComponent("displayName eq 'Salesforce'")}`)).value[0];

    await mailbox.graph('DELETE', `/mailFolders/${folder.id}`);
    const next = await mailbox.source.pullMessages(first.nextCursor, SCOPE);

    expect(bySubject(first.changes).has('Filed then gone')).toBe(true);
    expect(next.changes).toEqual([]);
  });

  it('rejects the other role in a scope', async () => {
    const mailbox = await newMailbox();

    const error = await mailbox.source.pullMessages(null, { folders: ['inbox', 'other'], since: SCOPE.since }).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'bug')).toBe(true);
  });

  it('asks for markers before pulling the Salesforce folder', async () => {
    const mailbox = await newMailbox();

    const error = await mailbox.source.pullMessages(null, SCOPE).catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'bug')).toBe(true);
    expect((error as Error).message).toContain('ensureMarkers');
  });
});
